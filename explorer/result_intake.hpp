// How a coordinator takes in what workers send of their runs: each result decoded into its
// job and written into the job's directory (plan.json, run.json, worker.txt, observation.bin
// last), on TBB's threads while the coordinator receives the next. On redis-replication's
// observations (47 KB, 31,000 points and 200,000 lineage entries each) decoding and writing
// were about half of what the coordinator did per run (coordinator_bench).
#pragma once

#include <tbb/task_group.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "job.hpp"
#include "mpi_protocol.hpp"

namespace fissure {

// What a worker sent of a run, taken into its job and written into the job's directory.
// `worker` names the worker in errors and worker.txt ("HOST:DIR"). Throws RunError on a bad
// result.
void take_result(Job& j, const mpi::RunDone& done, const std::string& worker);

class ResultIntake {
 public:
  ResultIntake();
  ResultIntake(const ResultIntake&) = delete;
  ResultIntake& operator=(const ResultIntake&) = delete;
  ~ResultIntake() noexcept { wait(); }  // its tasks catch what they throw

  // A batch of `jobs` begins: none is in.
  void begin(std::size_t jobs);
  // Takes job `i`'s result in on another thread (on this one when TBB has no other); a bad
  // one becomes the job's error, `from` (the worker, for a person) first. The job must
  // outlive wait().
  void take(std::size_t i, Job& j, mpi::RunDone done, std::string worker, std::string from);
  // Job `i` needs nothing taken in (its error is set already).
  void settle(std::size_t i);
  bool done(std::size_t i) const;
  // Until job `i` is in, or `most` has passed; takes it in on this thread if no other has
  // begun to.
  void wait_for(std::size_t i, std::chrono::microseconds most = std::chrono::microseconds::max());
  // Until every result given is in its job.
  void wait() { group_.wait(); }

 private:
  enum class State : std::uint8_t { Waiting, Queued, Running, Done };
  void mark(std::size_t i);
  bool claim(std::size_t i);  // Queued -> Running: whoever claims it runs it
  void run(std::size_t i);
  const bool threaded_;  // TBB has a thread besides this one
  tbb::task_group group_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<State> state_;
  std::vector<std::function<void()>> work_;
};

}  // namespace fissure
