// Where a campaign's runs are made: on this machine (LocalExecutor) or on the workers of an
// MPI job (MpiExecutor). The campaign decides what to run and keeps the journal; an executor
// only runs plans and brings back each run's verdict, observation and run.json into the
// run's directory of the campaign.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "job.hpp"

namespace fissure {

class RunExecutor {
 public:
  virtual ~RunExecutor() = default;
  // Runs it makes at once: a batch is sized from it.
  virtual unsigned slots() const = 0;
  // Whether runs go on while start() has returned and finish() is not called yet: the
  // campaign then asks the strategy for the next batch meanwhile.
  virtual bool overlaps() const { return false; }
  // Starts `jobs` (kept alive by the caller until finish()); `expected_keys` are the
  // outcomes of the campaign's first fault-free run (observation_of); `isolate`: each run
  // in namespaces of its own. Each job gets its result and observation, or an error.
  virtual void start(std::vector<Job>& jobs, const std::vector<std::string>& expected_keys,
                     bool isolate) = 0;
  // Waits for the batch. `taken(i)` is called for each job in index order as soon as it and
  // every job before it have their result, so that a campaign takes a run in while later
  // ones are still coming in (decoded on other threads: see ResultIntake).
  virtual void finish(const std::function<void(std::size_t)>& taken) = 0;
  // The run in `dir` became one whose whole trace the campaign keeps (a bug's run, the first
  // run): an executor whose runs are made elsewhere brings the trace into `dir`.
  virtual void keep_trace(const std::filesystem::path& dir) { (void)dir; }
  // The run in `dir` showed nothing new: its trace goes, its observation and record stay.
  virtual void drop_trace(const std::filesystem::path& dir) = 0;
};

}  // namespace fissure
