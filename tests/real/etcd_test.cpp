// The bundled etcd-3node target as a user runs it: three real etcd members, the history
// client, and the linearizability checker as the oracle.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "cluster.hpp"

namespace fissure::testing {
namespace {

// What the run's history.jsonl holds, counted here from the raw lines, and whether it keeps
// Jepsen's rules: each completion follows an invocation of its own process, and a process
// that ended unknown (info) invokes nothing more.
struct HistoryCounts {
  int invoke = 0, ok = 0, fail = 0, info = 0;
  std::vector<std::string> problems;
};

HistoryCounts count_history(const std::filesystem::path& file) {
  HistoryCounts c;
  std::ifstream in(file);
  std::map<std::int64_t, bool> pending;  // process -> has an invocation open
  std::set<std::int64_t> retired;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    rapidjson::Document d;
    d.Parse(line.c_str());
    if (d.HasParseError() || !d.IsObject() || !d.HasMember("process") || !d.HasMember("type")) {
      c.problems.push_back(fmt::format("line {}: not an event: {}", n, line));
      continue;
    }
    std::int64_t p = d["process"].GetInt64();
    std::string type = d["type"].GetString();
    if (type == "invoke") {
      ++c.invoke;
      if (pending[p] || retired.count(p))
        c.problems.push_back(fmt::format("line {}: process {} invokes again", n, p));
      pending[p] = true;
      continue;
    }
    if (!pending[p])
      c.problems.push_back(fmt::format("line {}: process {} completes nothing", n, p));
    pending[p] = false;
    if (type == "ok") ++c.ok;
    if (type == "fail") ++c.fail;
    if (type == "info") {
      ++c.info;
      retired.insert(p);
    }
  }
  return c;
}

std::string run_history_verdict(const std::filesystem::path& run) {
  rapidjson::Document d;
  std::string text = slurp(run / "run.json");
  d.Parse(text.c_str());
  if (d.HasParseError() || !d.HasMember("run") || !d["run"].HasMember("history")) return "";
  return d["run"]["history"].GetString();
}

TEST(Etcd3Node, AFaultFreeRunIsGoodWithALinearizableHistory) {
  ScratchDir dir;
  CommandResult r =
      run_fissure(fmt::format("trace {} -o {}", FISSURE_ETCD_SPEC, (dir.path() / "run").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(run_history_verdict(dir.path() / "run"), "linearizable") << r.output;
  HistoryCounts c = count_history(dir.path() / "run" / "history.jsonl");
  EXPECT_TRUE(c.problems.empty()) << c.problems.front();
  // Under the tracer, on a shared 2-CPU machine, an operation takes 50-400 ms: 2 s of five
  // clients gave 11 to 57 acknowledged ones, and a few timed out (info) now and then.
  EXPECT_GE(c.ok, 5);
  EXPECT_EQ(c.invoke, c.ok + c.fail + c.info) << "every operation completed";
}

// A member killed while the client talks to it: its operations fail or end unknown, the
// other two members keep a quorum, and the history stays linearizable.
TEST(Etcd3Node, ACrashedMemberIsNoBug) {
  ScratchDir dir;
  // Killed just before its 5th reply to the client (clients 0 and 3 start on e1): that
  // request never gets its answer.
  std::filesystem::path plan =
      dir.write("plan.json", R"({"faults": [{"kind": "crash", "when": "before",
                        "at": {"node": "e1", "op": "send", "peer": "client", "k": 5}}]})");
  CommandResult r = run_fissure(fmt::format("run {} --plan {} -o {}", FISSURE_ETCD_SPEC,
                                            plan.string(), (dir.path() / "run").string()));
  ASSERT_EQ(r.exit_code, 0) << "good, and the crash fired:\n" << r.output;
  EXPECT_EQ(run_history_verdict(dir.path() / "run"), "linearizable") << r.output;
  HistoryCounts c = count_history(dir.path() / "run" / "history.jsonl");
  EXPECT_TRUE(c.problems.empty()) << c.problems.front();
  EXPECT_GT(c.ok, 0);
  EXPECT_GT(c.fail + c.info, 0) << "the request e1 never answered";
}

}  // namespace
}  // namespace fissure::testing
