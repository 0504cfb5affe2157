// How a coordinator takes in what workers send of their runs: each result decoded into its
// job and written into the job's directory (plan.json, run.json, worker.txt, observation.bin
// last), on TBB's threads while the coordinator receives the next. On redis-replication's
// observations (47 KB, 31,000 points and 200,000 lineage entries each) decoding and writing
// were about half of what the coordinator did per run (coordinator_bench).
#pragma once

#include <tbb/task_group.h>

#include <string>

#include "job.hpp"
#include "mpi_protocol.hpp"

namespace fissure {

// What a worker sent of a run, taken into its job and written into the job's directory.
// `worker` names the worker in errors and worker.txt ("HOST:DIR"). Throws RunError on a bad
// result.
void take_result(Job& j, const mpi::RunDone& done, const std::string& worker);

class ResultIntake {
 public:
  ResultIntake() = default;
  ResultIntake(const ResultIntake&) = delete;
  ResultIntake& operator=(const ResultIntake&) = delete;
  ~ResultIntake() noexcept { wait(); }  // its tasks catch what they throw
  // Takes the result in on another thread; a bad one becomes the job's error, `from` (the
  // worker, for a person) first. The job must outlive wait().
  void take(Job& j, mpi::RunDone done, std::string worker, std::string from);
  // Until every result given is in its job.
  void wait() { group_.wait(); }

 private:
  tbb::task_group group_;
};

}  // namespace fissure
