#include "fissure/tracer/spec.hpp"

#include <gtest/gtest.h>

namespace fissure {
namespace {

std::string error_of(const std::string& text) {
  try {
    parse_spec(text, "/specs/target.toml");
  } catch (const SpecError& e) {
    return e.what();
  }
  return "(accepted)";
}

constexpr const char* kGood = R"(name = "primary-backup"
timeout = "2.5s"
[[node]]
name = "primary"
cmd = ["./primary", "--port", "7100"]
ready = "tcp:7100"
env = { KEY = "value" }
cwd = "work"
[[node]]
name = "client"
role = "workload"
cmd = ["./client", "${RUN_DIR}/out"]
ready = "delay:200ms"
[oracle]
workload_exit = 0
cmd = ["./check", "${RUN_DIR}"]
outcome_files = ["${RUN_DIR}/primary.log"]
)";

TEST(Spec, ParsesEveryField) {
  Spec s = parse_spec(kGood, "/specs/target.toml");
  EXPECT_EQ(s.name, "primary-backup");
  EXPECT_EQ(s.timeout, std::chrono::milliseconds(2500));
  EXPECT_EQ(s.dir, "/specs");
  ASSERT_EQ(s.nodes.size(), 2u);
  EXPECT_EQ(s.nodes[0].cmd, (std::vector<std::string>{"./primary", "--port", "7100"}));
  EXPECT_EQ(s.nodes[0].ready.kind, ReadyCheck::Kind::Tcp);
  EXPECT_EQ(s.nodes[0].ready.port, 7100);
  EXPECT_EQ(s.nodes[0].env.at("KEY"), "value");
  EXPECT_EQ(s.nodes[0].cwd, "work");
  EXPECT_FALSE(s.nodes[0].workload);
  EXPECT_TRUE(s.nodes[1].workload);
  EXPECT_EQ(s.nodes[1].ready.kind, ReadyCheck::Kind::Delay);
  EXPECT_EQ(s.nodes[1].ready.delay, std::chrono::milliseconds(200));
  EXPECT_EQ(s.oracle.workload_exit, 0);
  EXPECT_EQ(s.oracle.cmd.size(), 2u);
  EXPECT_EQ(s.oracle.outcome_files, (std::vector<std::string>{"${RUN_DIR}/primary.log"}));
}

TEST(Spec, ErrorsNameFileLineAndField) {
  EXPECT_EQ(
      error_of(
          "name = \"x\"\n[[node]]\nname = \"a\"\nrole = \"workload\"\ncmd = [\"a\"]\nbogus = 1\n"),
      "/specs/target.toml:6: node[0].bogus: unknown key (known here: name, cmd, ready, env, cwd, "
      "role, traced)");
  EXPECT_EQ(error_of("name = \"x\"\n[[node]]\nname = \"a\"\nrole = \"workload\"\n"),
            "/specs/target.toml:2: node[0].cmd: missing (required)");
  EXPECT_EQ(error_of("name = \"x\"\ntimeout = \"10\"\n[[node]]\nname = \"a\"\nrole = "
                     "\"workload\"\ncmd = [\"a\"]\n"),
            "/specs/target.toml:2: timeout: '10' has no unit; use one of us, ms, s, m, h (e.g. "
            "\"500ms\")");
  EXPECT_EQ(error_of("name = \"x\"\n[[node]]\nname = \"a\"\nrole = \"workload\"\ncmd = "
                     "[\"a\"]\nready = \"tcp:99999\"\n"),
            "/specs/target.toml:6: node[0].ready: 'tcp:99999' does not name a TCP port 1-65535");
  EXPECT_EQ(error_of("name = \"x\"\n[[node]]\nname = \"a\"\nrole = \"boss\"\ncmd = [\"a\"]\n"),
            "/specs/target.toml:4: node[0].role: 'boss' is not \"workload\" or \"service\"");
  EXPECT_EQ(error_of("name = \"x\"\n[[node]]\nname = \"a\"\ncmd = [\"a\"]\n"),
            "/specs/target.toml:2: node: no node has role = \"workload\"; a run ends when its "
            "workload nodes exit");
  EXPECT_EQ(error_of("name = \"x\"\n[[node]]\nname = \"a\"\nrole = \"workload\"\ncmd = "
                     "[\"a\"]\n[[node]]\nname = \"a\"\ncmd = [\"b\"]\n"),
            "/specs/target.toml:7: node[1].name: duplicate node name 'a'");
  EXPECT_EQ(error_of("name = \"x\"\n[[node]]\nname = \"a\"\nrole = \"workload\"\ncmd = []\n"),
            "/specs/target.toml:5: node[0].cmd: must be a non-empty array of strings, e.g. "
            "[\"./server\", \"--port\", \"7100\"]");
  EXPECT_EQ(error_of("name = \"x\"\n[[node]]\nname = \"a\"\nrole = \"workload\"\ncmd = "
                     "[\"a\"]\n[oracle]\nworkload_exit = \"0\"\n"),
            "/specs/target.toml:7: oracle.workload_exit: must be an integer exit code");
  EXPECT_EQ(error_of("name = \"x\"\n[[node]]\nname = \"a\"\nrole = \"workload\"\ncmd = "
                     "[\"a\"]\n[oracle]\noutcome_files = \"out.txt\"\n"),
            "/specs/target.toml:7: oracle.outcome_files: must be an array of strings");
  EXPECT_EQ(error_of("name = \"x\"\nnodes = 1\n"),
            "/specs/target.toml:2: nodes: unknown key (known here: name, timeout, node, oracle, "
            "faults, explore)");
  EXPECT_EQ(error_of("name = \n"),
            "/specs/target.toml:1: syntax: Error while parsing key-value pair: expected value, saw "
            "'\\n'");
}

TEST(Spec, FaultSpace) {
  constexpr const char* kBase =
      "name = \"x\"\n[[node]]\nname = \"a\"\nrole = \"workload\"\ncmd = [\"a\"]\n[[node]]\nname = "
      "\"b\"\ncmd = [\"b\"]\n";
  Spec defaults = parse_spec(kBase, "/specs/target.toml");
  EXPECT_EQ(defaults.faults.kinds.size(), 7u);
  EXPECT_EQ(defaults.faults.max, 1u);
  EXPECT_EQ(defaults.faults.nodes, (std::vector<std::string>{"a", "b"}));
  Spec s = parse_spec(std::string(kBase) +
                          "[faults]\nkinds = [\"crash\", \"delay\"]\nmax = 2\nnodes = [\"b\"]\n"
                          "errnos = [\"EIO\"]\ndelays = [\"50ms\", \"1.5s\"]\nheals = [\"3s\"]\n",
                      "/specs/target.toml");
  EXPECT_EQ(defaults.faults.heals, std::vector<std::chrono::milliseconds>{std::chrono::milliseconds(0)})
      << "partitions never heal unless the spec says so";
  EXPECT_EQ(s.faults.heals, std::vector<std::chrono::milliseconds>{std::chrono::seconds(3)});
  EXPECT_EQ(error_of(std::string(kBase) + "[faults]\nheals = []\n"),
            "/specs/target.toml:10: faults.heals: lists no duration");
  EXPECT_EQ(s.faults.kinds, (std::vector<FaultKind>{FaultKind::Crash, FaultKind::Delay}));
  EXPECT_EQ(s.faults.max, 2u);
  EXPECT_EQ(s.faults.nodes, std::vector<std::string>{"b"});
  EXPECT_EQ(s.faults.errnos, std::vector<int>{EIO});
  EXPECT_EQ(s.faults.delays, (std::vector<std::chrono::milliseconds>{
                                 std::chrono::milliseconds(50), std::chrono::milliseconds(1500)}));
  EXPECT_EQ(error_of(std::string(kBase) + "[faults]\nkinds = [\"meteor\"]\n"),
            "/specs/target.toml:10: faults.kinds: 'meteor' is not one of crash, error, drop, "
            "delay, partition, disk, restart");
  EXPECT_EQ(error_of(std::string(kBase) + "[faults]\nnodes = [\"c\"]\n"),
            "/specs/target.toml:10: faults.nodes: no node named 'c'");
  EXPECT_EQ(error_of(std::string(kBase) + "[faults]\nmax = 0\n"),
            "/specs/target.toml:10: faults.max: must be an integer from 1 to 64 (faults per plan)");
  EXPECT_EQ(error_of(std::string(kBase) + "[faults]\nerrnos = [\"EWHATEVER\"]\n"),
            "/specs/target.toml:10: faults.errnos: 'EWHATEVER' is not an errno fissure knows "
            "(ECONNRESET, EPIPE, EIO, ENOSPC, ...)");
  EXPECT_EQ(
      error_of(std::string(kBase) + "[faults]\ndelays = [\"soon\"]\n"),
      "/specs/target.toml:10: faults.delays: 'soon' is not a duration (e.g. \"500ms\", \"10s\")");
  EXPECT_EQ(error_of(std::string(kBase) + "[faults]\nmaximum = 3\n"),
            "/specs/target.toml:10: faults.maximum: unknown key (known here: kinds, max, nodes, "
            "errnos, delays, heals)");
  Spec e = parse_spec(
      std::string(kBase) +
          "[explore]\nstrategy = \"exhaustive\"\nruns = 300\ntime = \"8h\"\njobs = 2\nseed = 9\n",
      "/specs/target.toml");
  EXPECT_EQ(e.explore.strategy, "exhaustive");
  EXPECT_EQ(e.explore.runs, 300u);
  EXPECT_EQ(e.explore.time, std::chrono::hours(8));
  EXPECT_EQ(e.explore.jobs, 2u);
  EXPECT_EQ(e.explore.seed, 9u);
  EXPECT_EQ(
      error_of(std::string(kBase) + "[explore]\nstrategy = \"psychic\"\n"),
      "/specs/target.toml:10: explore.strategy: 'psychic' is not a strategy (hybrid, ldfi, coverage, random, exhaustive)");
  EXPECT_EQ(error_of(std::string(kBase) + "[explore]\njobs = 0\n"),
            "/specs/target.toml:10: explore.jobs: must be an integer from 1 to 64");
  EXPECT_EQ(error_of(std::string(kBase) + "[explore]\nbudget = 3\n"),
            "/specs/target.toml:10: explore.budget: unknown key (known here: strategy, runs, time, "
            "jobs, seed)");
}

TEST(Spec, OracleChecker) {
  const std::string base =
      "name = \"x\"\n[[node]]\nname = \"a\"\nrole = \"workload\"\ncmd = [\"a\"]\n[oracle]\n";
  EXPECT_TRUE(parse_spec(base, "/specs/target.toml").oracle.checker.empty());
  Spec s = parse_spec(base + "checker = \"linearizable-register\"\n", "/specs/target.toml");
  EXPECT_EQ(s.oracle.checker, "linearizable-register");
  EXPECT_EQ(s.oracle.history, "${RUN_DIR}/history.jsonl") << "the default";
  s = parse_spec(base + "checker = \"linearizable-register\"\nhistory = \"${RUN_DIR}/h.log\"\n",
                 "/specs/target.toml");
  EXPECT_EQ(s.oracle.history, "${RUN_DIR}/h.log");
  EXPECT_EQ(error_of(base + "checker = \"knossos\"\n"),
            "/specs/target.toml:7: oracle.checker: 'knossos' is not a checker "
            "(linearizable-register)");
  EXPECT_EQ(error_of(base + "checker = 1\n"),
            "/specs/target.toml:7: oracle.checker: must be a string");
  EXPECT_EQ(error_of(base + "history = \"h.jsonl\"\n"),
            "/specs/target.toml:7: oracle.history: means nothing without oracle.checker to judge "
            "it");
  EXPECT_EQ(error_of(base + "checker = \"linearizable-register\"\nhistory = \"\"\n"),
            "/specs/target.toml:8: oracle.history: must name a file");
}

TEST(Spec, Durations) {
  EXPECT_EQ(parse_duration("500us"), std::chrono::microseconds(500));
  EXPECT_EQ(parse_duration("1.5s"), std::chrono::milliseconds(1500));
  EXPECT_EQ(parse_duration("2m"), std::chrono::minutes(2));
  EXPECT_EQ(parse_duration("8h"), std::chrono::hours(8));
  EXPECT_THROW(parse_duration("fast"), std::invalid_argument);
  EXPECT_THROW(parse_duration("5 parsecs"), std::invalid_argument);
}

TEST(Spec, ExpandsRunDirEverywhere) {
  EXPECT_EQ(expand_vars("${RUN_DIR}/a:${RUN_DIR}/b ${SPEC_DIR}", "/r", "/s"), "/r/a:/r/b /s");
}

}  // namespace
}  // namespace fissure
