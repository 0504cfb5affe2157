// Each fault kind on real processes, checked by its observable effect.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "cluster.hpp"
#include "fissure/model/lineage.hpp"

namespace fissure::testing {
namespace {

FaultPlan plan_of(const std::string& json) {
  std::istringstream is(json);
  return read_plan(is);
}

RunResult run_with(const ScratchDir& dir, const std::string& spec_text,
                   const std::string& plan_json, bool exact = false) {
  auto file = dir.write("target.toml", spec_text);
  Spec spec = load_spec(file);
  return run_traced(spec, {.run_dir = dir.path() / "run",
                           .cpu = 0,
                           .exact_results = exact,
                           .plan = plan_of(plan_json)});
}

std::int64_t moved_by(const Trace& t, const std::string& node, bool sends, ChannelKind kind) {
  std::int64_t sum = 0;
  auto idx = t.node_index(node);
  for (const Event& e : t.events)
    if (e.node == *idx && e.channel >= 0 && t.channels[e.channel].kind == kind &&
        sys_info(e.sys).has(sends ? kSend : kRecv))
      sum += e.moved;
  return sum;
}

const Event& fired_event(const RunResult& r, std::size_t i = 0) {
  EXPECT_GT(r.trace.fired.size(), i);
  return r.trace.events.at(r.trace.fired.at(i).event);
}

TEST(Faults, CrashBeforeASendDropsTheClientsConnection) {
  ScratchDir dir;
  RunResult r =
      run_with(dir, tcp_pair_spec(free_port()), R"({"faults": [{"kind": "crash", "when": "before",
      "at": {"node": "server", "op": "send", "peer": "client", "k": 1}}]})");
  EXPECT_EQ(r.verdict.kind, VerdictKind::Bug);
  EXPECT_EQ(r.verdict.cls, VerdictClass::Safety) << "the client's answer was wrong";
  EXPECT_EQ(r.verdict.message,
            "workload node 'client' exited with 2 (expected 0): tcp_client: unexpected EOF");
  ASSERT_EQ(r.trace.fired.size(), 1u);
  EXPECT_TRUE(r.unreached.empty());
  const Event& at = fired_event(r);
  EXPECT_EQ(at.point, (InjectionPoint{"server", OpClass::Send, "client", 1}));
  EXPECT_TRUE(at.injected);
  EXPECT_EQ(r.trace.nodes[0].end, NodeEnd::Signaled);
  EXPECT_EQ(r.trace.nodes[0].signal, SIGKILL);
  EXPECT_EQ(moved_by(r.trace, "server", true, ChannelKind::Tcp), 0) << "the reply was never sent";
  EXPECT_EQ(moved_by(r.trace, "client", false, ChannelKind::Tcp), 0);
  std::ifstream err(dir.path() / "run" / "client.err");
  std::string line;
  std::getline(err, line);
  EXPECT_EQ(line, "tcp_client: unexpected EOF") << "the client saw the connection drop";
}

// The client the plan crashed has no answer to judge: what the server did is all there is,
// and it was fine. Its "killed by signal 9" is fissure's doing, not a bug.
TEST(Faults, ACrashOfTheWorkloadIsNoBug) {
  ScratchDir dir;
  RunResult r =
      run_with(dir, tcp_pair_spec(free_port()), R"({"faults": [{"kind": "crash", "when": "before",
      "at": {"node": "client", "op": "send", "peer": "server", "k": 2}}]})");
  ASSERT_EQ(r.trace.fired.size(), 1u);
  EXPECT_EQ(r.trace.nodes[1].end, NodeEnd::Signaled);
  EXPECT_EQ(r.trace.nodes[1].signal, SIGKILL);
  EXPECT_EQ(r.verdict.kind, VerdictKind::Good) << r.verdict.message;
  EXPECT_EQ(r.verdict.cls, VerdictClass::None);
}

// The server crashed, the client could not get its answer and says the service was
// unavailable, which it may be: no bug, and the crash fissure made is no crash of the node.
TEST(Faults, UnavailabilityAfterACrashIsNoBug) {
  ScratchDir dir;
  auto port = free_port();
  std::string spec = server_client_spec(
      "unavailable", {prog("tcp_server"), std::to_string(port)}, fmt::format("tcp:{}", port),
      {"sh", "-c", fmt::format("{} {} || echo server unavailable", prog("tcp_client"), port)});
  RunResult r = run_with(dir, spec, R"({"faults": [{"kind": "crash", "when": "before",
      "at": {"node": "server", "op": "send", "peer": "client", "k": 1}}]})");
  ASSERT_EQ(r.trace.fired.size(), 1u);
  EXPECT_EQ(r.trace.nodes[0].end, NodeEnd::Signaled);
  EXPECT_EQ(r.verdict.kind, VerdictKind::Good) << r.verdict.message;
  std::ifstream out(dir.path() / "run" / "client.out");
  std::string line;
  std::getline(out, line);
  EXPECT_EQ(line, "server unavailable");
}

TEST(Faults, CrashAfterASendLetsItThrough) {
  ScratchDir dir;
  RunResult r =
      run_with(dir, tcp_pair_spec(free_port()), R"({"faults": [{"kind": "crash", "when": "after",
      "at": {"node": "server", "op": "send", "peer": "client", "k": 1}}]})");
  ASSERT_EQ(r.trace.fired.size(), 1u);
  EXPECT_EQ(fired_event(r).moved, 300) << "the call ran before the node died";
  EXPECT_EQ(moved_by(r.trace, "client", false, ChannelKind::Tcp), 300);
  EXPECT_EQ(r.trace.nodes[0].end, NodeEnd::Signaled);
}

TEST(Faults, ErrorOnTheKthSendLeavesKMinusOneDelivered) {
  ScratchDir dir;
  RunResult r = run_with(dir, tcp_pair_until_the_server_complains(free_port()),
                         R"({"faults": [{"kind": "error", "errno": "EPIPE",
      "at": {"node": "client", "op": "send", "peer": "server", "k": 3}}]})");
  EXPECT_EQ(r.verdict.kind, VerdictKind::Bug);
  const Event& e = fired_event(r);
  EXPECT_EQ(e.result, -EPIPE);
  EXPECT_EQ(e.moved, 0);
  EXPECT_EQ(moved_by(r.trace, "client", true, ChannelKind::Tcp), 200);
  EXPECT_EQ(moved_by(r.trace, "server", false, ChannelKind::Tcp), 200)
      << "exactly two of three messages arrived";
}

TEST(Faults, DelayShowsInTheTimestamps) {
  ScratchDir dir;
  RunResult r =
      run_with(dir, tcp_pair_spec(free_port()), R"({"faults": [{"kind": "delay", "ms": 300,
      "at": {"node": "client", "op": "send", "peer": "server", "k": 2}}]})");
  ASSERT_EQ(r.verdict.kind, VerdictKind::Good) << r.verdict.message;
  std::vector<const Event*> sends;
  for (const Event& e : r.trace.events)
    if (e.point.node == "client" && e.point.op == OpClass::Send) sends.push_back(&e);
  ASSERT_EQ(sends.size(), 3u);
  EXPECT_GE(sends[1]->time_ns - sends[0]->time_ns, 300'000'000u);
  EXPECT_LT(sends[2]->time_ns - sends[1]->time_ns, 300'000'000u) << "only the planned call waited";
}

TEST(Faults, DroppedDatagramIsNeverDelivered) {
  ScratchDir dir;
  auto port = free_port();
  RunResult r = run_with(
      dir, udp_pair_spec(port, "1500ms", false),
      R"({"faults": [{"kind": "drop", "at": {"node": "client", "op": "send", "peer": "server", "k": 2}}]})");
  EXPECT_EQ(r.verdict.kind, VerdictKind::Hang) << "the client waits for a reply that cannot come";
  const Event& dropped = fired_event(r);
  EXPECT_EQ(dropped.sys, Sys::sendmsg);
  EXPECT_EQ(dropped.result, 20) << "the sender sees success";
  for (const Event& e : r.trace.events) {
    if (e.node == 0 && sys_info(e.sys).has(kRecv)) {
      EXPECT_NE(e.moved, 20) << "the server never got it";
    }
  }
  EXPECT_TRUE(r.trace.edges_into(dropped.id).empty());
  bool outgoing = false;
  for (const Edge& edge : r.trace.edges) outgoing = outgoing || edge.from == dropped.id;
  EXPECT_FALSE(outgoing);
}

TEST(Faults, DropOnAStreamBreaksBothEnds) {
  ScratchDir dir;
  RunResult r = run_with(dir, tcp_pair_until_the_server_complains(free_port()),
                         R"({"faults": [{"kind": "drop",
      "at": {"node": "client", "op": "send", "peer": "server", "k": 2}}]})");
  EXPECT_EQ(r.verdict.kind, VerdictKind::Bug);
  EXPECT_EQ(fired_event(r).result, -ECONNRESET);
  // Nothing from the dropped send on reached the server. The first send did, but a reset
  // discards what the receiver has not read yet: whether the server read those 100 bytes
  // depends on whether it ran before the reset arrived (it had not in 8 of 40 runs here,
  // nothing orders them), so it read them all or nothing.
  std::int64_t moved = moved_by(r.trace, "server", false, ChannelKind::Tcp);
  EXPECT_TRUE(moved == 100 || moved == 0) << moved;
  std::ifstream err(dir.path() / "run" / "server.err");
  std::string line;
  std::getline(err, line);
  EXPECT_EQ(line, "tcp_server: read: Connection reset by peer") << "the other end saw the reset";
}

TEST(Faults, PartitionCutsOnlyBetweenItsGroups) {
  ScratchDir dir;
  auto p1 = free_port(), p2 = static_cast<std::uint16_t>(free_port() + 1);
  RunResult r = run_with(dir,
                         fmt::format(R"(name = "partition"
[[node]]
name = "s1"
cmd = {}
ready = "tcp:{}"
[[node]]
name = "s2"
cmd = {}
ready = "tcp:{}"
[[node]]
name = "client"
role = "workload"
cmd = ["sh", "-c", "{} {}; {} {} 1"]
)",
                                     toml_array({prog("tcp_server"), std::to_string(p1)}), p1,
                                     toml_array({prog("mt_server"), std::to_string(p2), "1"}), p2,
                                     prog("tcp_client"), p1, prog("mt_client"), p2),
                         R"({"faults": [{"kind": "partition", "groups": [["s1"], ["client"]],
          "at": {"node": "client", "op": "connect", "peer": "s1", "k": 1}}]})");
  ASSERT_EQ(r.trace.fired.size(), 1u);
  const Trace& t = r.trace;
  std::int64_t to_s1 = 0, to_s2 = 0;
  for (const Event& e : t.events) {
    if (e.node != 2 || !sys_info(e.sys).has(kSend) || e.channel < 0) continue;
    (t.channels[e.channel].node_b == 0 ? to_s1 : to_s2) += e.moved;
  }
  EXPECT_EQ(to_s1, 0) << "nothing crosses the partition";
  EXPECT_EQ(to_s2, 100) << "traffic outside it goes on";
  EXPECT_EQ(moved_by(t, "s2", true, ChannelKind::Tcp), 100);
}

TEST(Faults, DiskErrorOnFsync) {
  ScratchDir dir;
  RunResult r = run_with(
      dir,
      fmt::format(R"(name = "disk"
[[node]]
name = "writer"
role = "workload"
cmd = {}
[oracle]
workload_exit = 0
)",
                  toml_array({prog("file_writer"), "${RUN_DIR}/data"})),
      R"({"faults": [{"kind": "disk", "errno": "EIO", "at": {"node": "writer", "op": "fsync", "peer": "${RUN_DIR}/data", "k": 1}}]})");
  EXPECT_EQ(r.verdict.kind, VerdictKind::Bug);
  const Event& e = fired_event(r);
  EXPECT_EQ(e.sys, Sys::fsync);
  EXPECT_EQ(e.result, -EIO);
  EXPECT_EQ(r.trace.nodes[0].exit_code, 2) << "file_writer gave up on the failed fsync";
}

TEST(Faults, RestartBringsTheNodeBack) {
  ScratchDir dir;
  auto port = free_port();
  RunResult r = run_with(
      dir,
      fmt::format(R"(name = "restart"
timeout = "10s"
[[node]]
name = "server"
cmd = ["sh", "-c", "echo start >> $RUN_DIR/starts; exec {} {}"]
ready = "tcp:{}"
[[node]]
name = "client"
role = "workload"
cmd = ["sh", "-c", "{} {}; {} {}"]
[oracle]
workload_exit = 0
)",
                  prog("tcp_server"), port, port, prog("tcp_client"), port, prog("tcp_client"),
                  port),
      R"({"faults": [{"kind": "crash", "when": "before", "at": {"node": "server", "op": "recv", "peer": "client", "k": 1}},
                     {"kind": "restart", "node": "server", "after_ms": 100}]})");
  EXPECT_EQ(r.verdict.kind, VerdictKind::Good)
      << "the second client was served: " << r.verdict.message;
  ASSERT_EQ(r.trace.fired.size(), 2u);
  EXPECT_EQ(r.trace.nodes[0].restarts, 1u);
  std::ifstream starts(dir.path() / "run" / "starts");
  std::string a, b, c;
  EXPECT_TRUE(std::getline(starts, a) && std::getline(starts, b));
  EXPECT_FALSE(std::getline(starts, c));
  EXPECT_GE(r.trace.fired[1].time_ns - r.trace.fired[0].time_ns, 100'000'000u);
}

TEST(Faults, UnreachedPointIsReportedNotPassed) {
  ScratchDir dir;
  RunResult r =
      run_with(dir, tcp_pair_spec(free_port()), R"({"faults": [{"kind": "crash", "when": "before",
      "at": {"node": "server", "op": "send", "peer": "client", "k": 7}}]})");
  EXPECT_EQ(r.verdict.kind, VerdictKind::Good);
  EXPECT_TRUE(r.trace.fired.empty());
  EXPECT_EQ(r.unreached, std::vector<std::size_t>{0});
}

TEST(Faults, PointsAreStableAcrossRuns) {
  auto port = free_port();
  auto points_of = [port] {
    ScratchDir dir;
    RunResult r = run_spec(dir, tcp_pair_spec(port));
    std::vector<InjectionPoint> out;
    for (const Event& e : r.trace.events)
      if (!e.point.empty()) out.push_back(e.point);
    std::sort(out.begin(), out.end());
    return out;
  };
  auto a = points_of(), b = points_of();
  EXPECT_EQ(a, b) << "no pid, fd, ephemeral port or time in a point";
  auto has = [&](const InjectionPoint& p) { return std::find(a.begin(), a.end(), p) != a.end(); };
  EXPECT_TRUE(has({"client", OpClass::Send, "server", 3}));
  EXPECT_FALSE(has({"client", OpClass::Send, "server", 4}));
  EXPECT_TRUE(has({"client", OpClass::Connect, "server", 1}));
  EXPECT_TRUE(has({"server", OpClass::Accept, fmt::format("127.0.0.1:{}", port), 1}));
  EXPECT_TRUE(has({"server", OpClass::Send, "client", 1}));
}

}  // namespace
}  // namespace fissure::testing

namespace fissure::testing {
namespace {

TEST(Faults, DropAtADatagramReceiveDoesNotFire) {
  ScratchDir dir;
  auto port = free_port();
  RunResult r = run_with(
      dir, udp_pair_spec(port, "10s", true),
      R"({"faults": [{"kind": "drop", "at": {"node": "server", "op": "recv", "peer": "*", "k": 1}}]})");
  EXPECT_EQ(r.verdict.kind, VerdictKind::Good)
      << "the receive ran untouched: " << r.verdict.message;
  EXPECT_TRUE(r.trace.fired.empty());
  EXPECT_EQ(r.unreached, std::vector<std::size_t>{0});
}

}  // namespace
}  // namespace fissure::testing

namespace fissure::testing {
namespace {

TEST(Faults, RestartOfAWorkloadNodeIsRefusedBeforeAnythingStarts) {
  ScratchDir dir;
  try {
    run_with(dir, tcp_pair_spec(free_port()),
             R"({"faults": [{"kind": "restart", "node": "client", "after_ms": 50}]})");
    FAIL() << "accepted";
  } catch (const PlanError& e) {
    EXPECT_EQ(std::string(e.what()),
              "restart of 'client': a workload node's exit ends the run's workload, so it cannot "
              "be restarted");
  }
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "run" / "server.out")) << "nothing was started";
}

}  // namespace
}  // namespace fissure::testing

namespace fissure::testing {
namespace {

// Two ways to the same answer: a run without faults uses server a; a run that crashes a
// before it answers still succeeds through b. The union of supports then holds both.
TEST(Faults, RedundancyLearnsTheSecondPathFromARunThatSurvivedAFault) {
  auto pa = free_port(), pb = static_cast<std::uint16_t>(free_port() + 7);
  std::string spec =
      fmt::format(R"(name = "two-paths"
[[node]]
name = "a"
cmd = {}
ready = "tcp:{}"
[[node]]
name = "b"
cmd = {}
ready = "tcp:{}"
[[node]]
name = "client"
role = "workload"
cmd = {}
[oracle]
workload_exit = 0
)",
                  toml_array({prog("mt_server"), std::to_string(pa), "1"}), pa,
                  toml_array({prog("mt_server"), std::to_string(pb), "1"}), pb,
                  toml_array({prog("fallback_client"), std::to_string(pa), std::to_string(pb)}));
  ScratchDir d1, d2;
  RunResult plain = run_spec(d1, spec);
  ASSERT_EQ(plain.verdict.kind, VerdictKind::Good) << plain.verdict.message;
  RunResult cut = run_with(
      d2, spec,
      R"({"faults": [{"kind": "crash", "at": {"node": "a", "op": "send", "peer": "client", "k": 1}}]})");
  ASSERT_EQ(cut.verdict.kind, VerdictKind::Good)
      << "the client fell back to b: " << cut.verdict.message;
  ASSERT_EQ(cut.trace.fired.size(), 1u);

  Redundancy red;
  EXPECT_EQ(red.add(plain.trace), 1u);
  EXPECT_EQ(red.add(cut.trace), 1u) << "a new support";
  ASSERT_EQ(red.supports().count("client answer #1"), 1u);
  const auto& supports = red.supports().at("client answer #1");
  ASSERT_EQ(supports.size(), 2u);
  std::set<std::string> peers;
  for (const auto& support : supports)
    for (const auto& m : support)
      if (m.node == "client") peers.insert(m.peer);
  EXPECT_EQ(peers, (std::set<std::string>{"a", "b"})) << "one support through each server";
}

}  // namespace
}  // namespace fissure::testing
