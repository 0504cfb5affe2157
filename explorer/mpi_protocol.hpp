// The messages between an MPI campaign's coordinator (rank 0) and its workers, each a cereal
// binary archive sent as MPI_BYTE. Only the coordinator's thread and each worker's main thread
// call MPI (MPI_THREAD_FUNNELED); runs are made by other threads.
#pragma once

#include <cereal/archives/binary.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/utility.hpp>
#include <cereal/types/vector.hpp>
#include <cstdint>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace fissure::mpi {

enum Tag : int { kSetup = 1, kHello, kRun, kResult, kFetch, kFiles, kDrop, kStop };

struct Setup {
  std::string spec;      // absolute path of target.toml, the same on every node
  std::string campaign;  // the campaign directory's name, for the workers' own directories
  template <class A>
  void serialize(A& ar) {
    ar(spec, campaign);
  }
};

struct Hello {
  std::string host, root;  // root: where this worker keeps its runs
  unsigned slots = 1;
  std::string error;  // the worker cannot run this campaign (e.g. no spec at that path)
  template <class A>
  void serialize(A& ar) {
    ar(host, root, slots, error);
  }
};

struct RunOrder {
  std::uint64_t id = 0;
  std::string name;  // the run's directory, relative to the campaign's (runs/00012)
  std::string plan;  // JSON
  std::vector<std::string> expected_keys;
  bool isolate = true;
  template <class A>
  void serialize(A& ar) {
    ar(id, name, plan, expected_keys, isolate);
  }
};

struct RunDone {
  std::uint64_t id = 0;
  std::string error;
  std::string verdict, message;        // the verdict's kind and the oracle's message
  std::string run_json, observation;  // run.json's text, observation.bin's bytes
  template <class A>
  void serialize(A& ar) {
    ar(id, error, verdict, message, run_json, observation);
  }
};

struct Files {
  std::string error;
  std::vector<std::pair<std::string, std::string>> files;  // relative path, contents
  template <class A>
  void serialize(A& ar) {
    ar(error, files);
  }
};

struct Name {
  std::string name;
  template <class A>
  void serialize(A& ar) {
    ar(name);
  }
};

struct Empty {
  template <class A>
  void serialize(A&) {}
};

std::string encode_bytes(const auto& message) {
  std::ostringstream os(std::ios::binary);
  {
    cereal::BinaryOutputArchive ar(os);
    ar(message);
  }
  return os.str();
}

void send_bytes(const std::string& bytes, int rank, Tag tag);

template <class M>
void send(const M& message, int rank, Tag tag) {
  send_bytes(encode_bytes(message), rank, tag);
}

// A message there (from `rank`, or any with -1; of `tag`, or any with -1): its source, tag and
// bytes. Blocks only when `wait`, and then sleeps between looks rather than spin on a CPU
// that a run could use (Open MPI's blocking receive polls).
struct Incoming {
  int source = 0, tag = 0;
  std::string bytes;
};
std::optional<Incoming> receive(int rank, int tag, bool wait);

template <class M>
M decode(const std::string& bytes) {
  std::istringstream is(bytes, std::ios::binary);
  cereal::BinaryInputArchive ar(is);
  M m;
  ar(m);
  return m;
}

int rank();
int size();
[[noreturn]] void abort_job(int code);

// MPI_Init_thread and MPI_Finalize; on rank 0, workers still waiting are told to stop when it
// ends, so that a coordinator that fails early does not leave them waiting.
class World {
 public:
  World(int& argc, char**& argv);
  ~World();
  World(const World&) = delete;
  World& operator=(const World&) = delete;
  void stop_workers();

 private:
  bool stopped_ = false;
};

}  // namespace fissure::mpi
