// Runs on this machine, --jobs at a time, each pinned to a CPU of its own (TBB).
#pragma once

#include "fissure/tracer/spec.hpp"
#include "run_executor.hpp"

namespace fissure {

class LocalExecutor : public RunExecutor {
 public:
  LocalExecutor(const Spec& spec, unsigned jobs) : spec_(spec), jobs_(jobs) {}
  unsigned slots() const override { return jobs_; }
  void start(std::vector<Job>& jobs, const std::vector<std::string>& expected_keys,
                     bool isolate) override;
  void finish(const std::function<void(std::size_t)>& taken) override {
    for (std::size_t i = 0; i < jobs_started_; ++i) taken(i);  // start() ran them all
  }
  void drop_trace(const std::filesystem::path& dir) override;

 private:
  const Spec& spec_;
  unsigned jobs_;
  std::size_t jobs_started_ = 0;
};

// One run into `dir` (emptied first: a run a killed campaign left half done), kept there with
// its observation; `cpu`: where it is pinned.
void run_job(const Spec& spec, Job& j, int cpu, bool isolate,
             const std::vector<std::string>& expected_keys);

}  // namespace fissure
