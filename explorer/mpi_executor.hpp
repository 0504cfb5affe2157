// The coordinator's side of an MPI campaign (rank 0): it sends each run to the worker with
// the fewest runs per slot in hand, and writes what comes back (plan.json, run.json,
// observation.bin, worker.txt) into the run's directory of the campaign. A run's trace and
// the nodes' output stay on the worker's disk until the campaign keeps them.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "mpi_protocol.hpp"
#include "result_intake.hpp"
#include "run_executor.hpp"

namespace fissure {

class MpiExecutor : public RunExecutor {
 public:
  // Tells every worker the campaign (`spec`: absolute path; `dir`: the campaign directory) and
  // waits for each to say how many runs it makes at once. Throws RunError when a worker
  // cannot take part.
  MpiExecutor(mpi::World& world, const std::filesystem::path& spec,
              const std::filesystem::path& dir);
  ~MpiExecutor() override;

  unsigned slots() const override { return slots_; }
  bool overlaps() const override { return true; }
  void start(std::vector<Job>& jobs, const std::vector<std::string>& expected_keys,
             bool isolate) override;
  void finish(const std::function<void(std::size_t)>& taken) override;
  void keep_trace(const std::filesystem::path& dir) override;
  void drop_trace(const std::filesystem::path& dir) override;

  struct Worker {
    int rank = 0;
    std::string host, root;
    unsigned slots = 1, running = 0;
  };
  const std::vector<Worker>& workers() const { return workers_; }

 private:
  void take(const mpi::Incoming& in);
  std::string name_of(const std::filesystem::path& dir) const;

  mpi::World& world_;
  std::filesystem::path dir_;
  std::vector<Worker> workers_;
  unsigned slots_ = 0;
  std::vector<Job>* batch_ = nullptr;
  std::map<std::uint64_t, std::size_t> in_flight_;  // run id -> its job in the batch
  std::map<std::uint64_t, std::size_t> worker_of_id_;
  std::uint64_t next_id_ = 1;
  std::map<std::string, std::size_t> made_by_;  // run's name -> its worker, in this MPI job
  ResultIntake intake_;                         // last: waited for before the rest goes
};

}  // namespace fissure
