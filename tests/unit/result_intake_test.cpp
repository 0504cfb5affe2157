// A coordinator takes workers' results in on other threads (ResultIntake): each job gets its
// observation and its files, a bad result becomes that job's error, and a job is handed on
// only once it is in, whichever thread took it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "observation_store.hpp"
#include "result_intake.hpp"

namespace fissure {
namespace {

namespace fs = std::filesystem;

Observation seen(std::uint32_t points) {
  Observation o;
  o.verdict = VerdictKind::Good;
  o.signature = "sig";
  for (std::uint32_t k = 1; k <= points; ++k) o.points.push_back({"a", OpClass::Send, "b", k});
  return o;
}

mpi::RunDone result(const Observation& o) {
  return {0, "", "good", "fine",
          R"({"run": {"spec": "s", "plan_id": "", "verdict": "good", "message": "fine",
                      "pattern": "", "sequence": "", "cpu": 0, "exact": false, "isolate": true,
                      "fired": [], "unreached": [], "history": "", "class": ""}})",
          encode_observation(o)};
}

TEST(ResultIntake, EachJobGetsItsOwnResultAndABadOneItsError) {
  const fs::path dir = fs::temp_directory_path() / ("intake-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  std::vector<Job> jobs(3);
  for (std::size_t i = 0; i < jobs.size(); ++i) jobs[i].dir = dir / ("run" + std::to_string(i));
  ResultIntake intake;
  intake.begin(jobs.size());
  intake.take(0, jobs[0], result(seen(5)), "w:0", "worker 0");
  mpi::RunDone bad = result(seen(1));
  bad.observation.resize(bad.observation.size() / 2);
  intake.take(1, jobs[1], bad, "w:1", "worker 1");
  intake.take(2, jobs[2], result(seen(9)), "w:2", "worker 2");
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    intake.wait_for(i);
    EXPECT_TRUE(intake.done(i));
  }
  EXPECT_EQ(jobs[0].seen.points.size(), 5u);
  EXPECT_EQ(jobs[2].seen.points.size(), 9u);
  EXPECT_TRUE(jobs[0].error.empty()) << jobs[0].error;
  EXPECT_EQ(jobs[1].error.rfind("worker 1: ", 0), 0u) << jobs[1].error;
  for (const char* f : {"plan.json", "run.json", "worker.txt", "observation.bin"})
    EXPECT_TRUE(fs::exists(jobs[2].dir / f)) << f;
  EXPECT_FALSE(fs::exists(jobs[1].dir / "observation.bin")) << "a bad run is not complete";
  intake.wait();
  fs::remove_all(dir);
}

TEST(ResultIntake, AJobSettledWithoutATakeIsDone) {
  ResultIntake intake;
  intake.begin(2);
  EXPECT_FALSE(intake.done(1));
  intake.settle(1);
  EXPECT_TRUE(intake.done(1));
  EXPECT_FALSE(intake.done(0));
}

}  // namespace
}  // namespace fissure
