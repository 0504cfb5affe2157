// The LDFI benchmark suite (experiments/targets): every target's fault-free run
// is good, and each known answer in its answer.toml holds: a buggy target's
// committed counterexample is a bug (a hang when the bug is a liveness one),
// and a correct target stays good under a plan it must tolerate. The answers
// were derived by hand from the protocols (and Molly's programs), not from runs
// of these programs.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <string>

#include "cluster.hpp"

namespace fissure::testing {
namespace {

namespace fs = std::filesystem;

fs::path source_dir(const std::string& target) {
  return fs::path(FISSURE_SOURCE_DIR) / "experiments/targets" / target;
}

fs::path spec_of(const std::string& target) {
  return fs::path(FISSURE_SUITE_DIR) / target / "target.toml";
}

// A string field of answer.toml (`key = "value"`).
std::string answer(const std::string& target, const std::string& key) {
  std::string text = slurp(source_dir(target) / "answer.toml");
  std::smatch m;
  if (!std::regex_search(text, m, std::regex("(^|\\n)" + key + " *= *\"([^\"]*)\""))) return "";
  return m[2];
}

std::size_t faults_in(const fs::path& plan) {
  std::string text = slurp(plan);
  std::size_t n = 0;
  for (std::size_t at = 0; (at = text.find("\"kind\"", at)) != std::string::npos; ++at) ++n;
  return n;
}

std::size_t fired_in(const std::string& output) {
  std::size_t n = 0;
  for (std::size_t at = 0; (at = output.find("\nfired: ", at)) != std::string::npos; ++at) ++n;
  return n;
}

class Suite : public ::testing::TestWithParam<const char*> {};

TEST_P(Suite, FaultFreeRunIsGood) {
  ScratchDir dir;
  auto r = run_fissure(
      fmt::format("trace {} -o {}", spec_of(GetParam()).string(), (dir.path() / "run").string()));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("\nverdict: good"), std::string::npos) << r.output;
}

TEST_P(Suite, KnownAnswerHolds) {
  const std::string target = GetParam();
  const std::string expect = answer(target, "expect");
  ASSERT_TRUE(expect == "bug" || expect == "correct") << target << ": answer.toml: expect";
  fs::path plan = source_dir(target) / (expect == "bug" ? "counterexample.json" : "tolerated.json");
  ScratchDir dir;
  auto r = run_fissure(fmt::format("run {} --plan {} -o {}", spec_of(target).string(),
                                   plan.string(), (dir.path() / "run").string()));
  // Every planned fault fired: a plan that missed its points would say nothing.
  EXPECT_EQ(fired_in(r.output), faults_in(plan)) << r.output;
  if (expect == "correct") {
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("\nverdict: good"), std::string::npos) << r.output;
    return;
  }
  EXPECT_EQ(r.exit_code, 1) << r.output;
  const std::string verdict = answer(target, "class") == "liveness" ? "hang" : "bug";
  EXPECT_NE(r.output.find("\nverdict: " + verdict), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\nclass: " + answer(target, "class") + "\n"), std::string::npos)
      << r.output;
}

// The default search gets each target's answer by itself: a buggy target's bug within the
// budget, a correct one certified (never by running out of budget: --until-answer stops at
// the first answer, and a campaign that ends at its budget is not certified).
TEST_P(Suite, HybridFindsTheBugOrCertifies) {
  const std::string target = GetParam();
  const std::string expect = answer(target, "expect");
  ScratchDir dir;
  const fs::path out = dir.path() / "c";
  auto r = run_fissure(fmt::format(
      "explore {} --strategy hybrid --runs 80 --jobs 1 --replays 0 --until-answer -o {}",
      spec_of(target).string(), out.string()));
  const std::string summary = slurp(out / "summary.json");
  if (expect == "correct") {
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(summary.find("\"certified\": true"), std::string::npos) << summary;
    return;
  }
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_EQ(summary.find("\"runs_to_first_bug\": null"), std::string::npos) << summary;
  EXPECT_NE(summary.find("\"certified\": false"), std::string::npos) << summary;
}

INSTANTIATE_TEST_SUITE_P(Targets, Suite,
                         ::testing::Values("simple-deliv", "retry-deliv", "classic-deliv",
                                           "redun-deliv", "ack-deliv", "2pc", "2pc-ctp", "3pc",
                                           "kafka-isr"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& c : name)
                             if (c == '-') c = '_';
                           return name;
                         });

}  // namespace
}  // namespace fissure::testing
