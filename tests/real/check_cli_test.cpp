// `fissure check` as a user runs it, and `[oracle] checker` judging a run by its history.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cluster.hpp"

namespace fissure::testing {
namespace {

std::string event(int process, const std::string& type, const std::string& f,
                  const std::string& value, std::int64_t ms) {
  return fmt::format(R"({{"process": {}, "type": "{}", "f": "{}", "value": {}, "time": {}}})",
                     process, type, f, value, ms * 1'000'000) +
         "\n";
}

// w 1 then w 2 acknowledged, then a read of 1: stale, so not linearizable.
std::string stale_history() {
  return event(1, "invoke", "write", "1", 0) + event(1, "ok", "write", "1", 100) +
         event(2, "invoke", "write", "2", 1000) + event(2, "ok", "write", "2", 1200) +
         event(3, "invoke", "read", "null", 1500) + event(3, "ok", "read", "1", 1600);
}

// The same with the read seeing 2: linearizable.
std::string good_history() {
  return event(1, "invoke", "write", "1", 0) + event(1, "ok", "write", "1", 100) +
         event(2, "invoke", "write", "2", 1000) + event(2, "ok", "write", "2", 1200) +
         event(3, "invoke", "read", "null", 1500) + event(3, "ok", "read", "2", 1600);
}

// Forty concurrent writes and forty concurrent reads, then a read of a value nobody wrote:
// proving that takes trying orders of all of them, far past a 1 ms budget.
std::string crowded_history() {
  std::string h;
  const int n = 40;
  for (int i = 0; i < n; ++i) h += event(i, "invoke", "write", std::to_string(i), i);
  for (int i = 0; i < n; ++i) h += event(n + i, "invoke", "read", "null", n + i);
  for (int i = 0; i < n; ++i) h += event(i, "ok", "write", std::to_string(i), 1000 + i);
  for (int i = 0; i < n; ++i)
    h += event(n + i, "ok", "read", std::to_string((i * 7) % n), 1000 + n + i);
  h += event(2 * n, "invoke", "read", "null", 3000) + event(2 * n, "ok", "read", "999", 3010);
  return h;
}

TEST(CheckCli, ExitCodesAndOneLineAFile) {
  ScratchDir dir;
  auto good = dir.write("good.jsonl", good_history());
  auto stale = dir.write("stale.jsonl", stale_history());
  CommandResult g = run_fissure("check " + good.string());
  EXPECT_EQ(g.exit_code, 0) << g.output;
  EXPECT_EQ(g.output, good.string() + ": linearizable\n");

  auto svgs = dir.path() / "svg";
  CommandResult b = run_fissure(
      fmt::format("check {} {} --svg {}", good.string(), stale.string(), svgs.string()));
  EXPECT_EQ(b.exit_code, 1) << b.output;
  EXPECT_NE(b.output.find(stale.string() + ": not linearizable\n  not linearizable: the write "
                                           "of 2 acknowledged at 1.200 s, but a later read, "
                                           "invoked at 1.500 s by process 3, saw 1\n"),
            std::string::npos)
      << b.output;
  EXPECT_NE(b.output.find("read 1"), std::string::npos) << b.output;
  std::string svg = slurp(svgs / "stale.svg");
  EXPECT_NE(svg.find("<svg"), std::string::npos);
  EXPECT_NE(svg.find(">w 2</text>"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(svgs / "good.svg")) << "only non-linearizable files";

  auto crowded = dir.write("crowded.jsonl", crowded_history());
  CommandResult u =
      run_fissure(fmt::format("check {} {} --budget-ms 1", good.string(), crowded.string()));
  EXPECT_EQ(u.exit_code, 3) << u.output;
  EXPECT_NE(u.output.find(crowded.string() + ": unknown (budget: time 1 ms ran out"),
            std::string::npos)
      << u.output;
}

TEST(CheckCli, BadLineOrFileIsAnErrorNamingFileAndLine) {
  ScratchDir dir;
  auto bad = dir.write("bad.jsonl",
                       event(1, "invoke", "write", "1", 0) +
                           R"({"process": 1, "type": "ok", "f": "write", "time": "soon"})" + "\n");
  auto good = dir.write("good.jsonl", good_history());
  CommandResult r = run_fissure(fmt::format("check {} {}", good.string(), bad.string()));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find(good.string() + ": linearizable"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(bad.string() + ":2: time: must be an integer (nanoseconds)"),
            std::string::npos)
      << r.output;
  CommandResult missing = run_fissure("check " + (dir.path() / "nope.jsonl").string());
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.output.find("nope.jsonl: cannot read"), std::string::npos) << missing.output;
}

TEST(CheckCli, ReadsJepsenLogs) {
  std::filesystem::path dir = FISSURE_SOURCE_DIR "/../shared/histories/jepsen-etcd";
  if (!std::filesystem::exists(dir / "answers.txt"))
    GTEST_SKIP() << dir << " is absent (the shared Jepsen histories live beside the repository)";
  // answers.txt: etcd_002 is linearizable, etcd_000 is not.
  CommandResult r = run_fissure(
      fmt::format("check {} {}", (dir / "etcd_002.log").string(), (dir / "etcd_000.log").string()));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("etcd_002.log: linearizable\n"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("etcd_000.log: not linearizable\n"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("at line "), std::string::npos) << "Jepsen logs have no times";
}

// A workload that only copies a prepared history into the run directory.
std::string history_spec(const std::filesystem::path& history) {
  return fmt::format(R"(name = "history"
[[node]]
name = "client"
role = "workload"
cmd = ["sh", "-c", "{}"]
[oracle]
checker = "linearizable-register"
)",
                     history.empty()
                         ? std::string("true")
                         : fmt::format("cp {} $RUN_DIR/history.jsonl", history.string()));
}

TEST(CheckCli, OracleCheckerTurnsANonLinearizableHistoryIntoABug) {
  ScratchDir dir;
  auto spec = dir.write("target.toml", history_spec(dir.write("h.jsonl", stale_history())));
  auto out = dir.path() / "run";
  CommandResult r = run_fissure(fmt::format("trace {} -o {}", spec.string(), out.string()));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("not linearizable: the write of 2 acknowledged at 1.200 s"),
            std::string::npos)
      << r.output;
  EXPECT_NE(slurp(out / "run.json").find("\"history\": \"not linearizable\""), std::string::npos)
      << slurp(out / "run.json");
  EXPECT_NE(slurp(out / "history.svg").find(">r 1</text>"), std::string::npos);
  EXPECT_NE(slurp(out / "history.txt").find("read 1"), std::string::npos);
}

TEST(CheckCli, OracleCheckerPassesALinearizableHistoryAndToleratesNone) {
  ScratchDir dir;
  auto good = dir.write("target.toml", history_spec(dir.write("h.jsonl", good_history())));
  auto out = dir.path() / "good";
  CommandResult r = run_fissure(fmt::format("trace {} -o {}", good.string(), out.string()));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(slurp(out / "run.json").find("\"history\": \"linearizable\""), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(out / "history.svg"));

  // A workload stopped before it wrote anything has no history: nothing to judge.
  auto none = dir.write("none.toml", history_spec({}));
  auto out2 = dir.path() / "none";
  CommandResult n = run_fissure(fmt::format("trace {} -o {}", none.string(), out2.string()));
  EXPECT_EQ(n.exit_code, 0) << n.output;
  EXPECT_NE(slurp(out2 / "run.json").find("\"history\": \"missing\""), std::string::npos);
}

}  // namespace
}  // namespace fissure::testing
