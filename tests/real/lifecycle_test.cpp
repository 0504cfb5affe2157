// How runs start and end: readiness, verdicts, timeouts, and that nothing outlives a run.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <iterator>
#include <set>
#include <thread>

#include "cluster.hpp"

namespace fissure::testing {
namespace {

// Every pid the trace saw: node processes, forked children, threads.
std::set<pid_t> all_pids(const Trace& t) {
  std::set<pid_t> out;
  for (const auto& n : t.nodes)
    if (n.pid > 0) out.insert(n.pid);
  for (const auto& e : t.events) {
    out.insert(e.pid);
    if (e.child > 0) out.insert(e.child);
  }
  return out;
}

void expect_nothing_survives(const Trace& t) {
  for (pid_t pid : all_pids(t))
    EXPECT_FALSE(process_exists(pid)) << "pid " << pid << " outlived its run";
}

TEST(Lifecycle, ServicesThatNeverExitAreKilled) {
  ScratchDir dir;
  // The service forks a child that leaves the process group and ignores SIGTERM.
  RunResult r = run_spec(dir, R"(name = "stubborn"
[[node]]
name = "service"
cmd = ["sh", "-c", "trap '' TERM; setsid sh -c 'trap \"\" TERM; sleep 1000' & sleep 1000"]
ready = "delay:100ms"
[[node]]
name = "client"
role = "workload"
cmd = ["sleep", "0.1"]
)");
  EXPECT_EQ(r.verdict.kind, VerdictKind::Good) << r.verdict.message;
  EXPECT_EQ(r.trace.nodes[0].end, NodeEnd::Killed);
  EXPECT_GE(all_pids(r.trace).size(), 4u) << "shell, setsid child, and the sleeps were all seen";
  expect_nothing_survives(r.trace);
}

TEST(Lifecycle, TimeoutIsAHangAndKillsEverything) {
  ScratchDir dir;
  auto start = std::chrono::steady_clock::now();
  RunResult r = run_spec(dir, R"(name = "hang"
timeout = "400ms"
[[node]]
name = "client"
role = "workload"
cmd = ["sh", "-c", "sleep 1000 & sleep 1000"]
)");
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.verdict.kind, VerdictKind::Hang);
  EXPECT_EQ(r.verdict.cls, VerdictClass::Liveness);
  EXPECT_EQ(r.trace.end, RunEnd::Timeout);
  EXPECT_NE(r.verdict.message.find("timeout after 400ms"), std::string::npos) << r.verdict.message;
  EXPECT_LT(took, std::chrono::seconds(3));
  expect_nothing_survives(r.trace);
}

TEST(Lifecycle, CrashedNodeIsRecordedAsSignaled) {
  ScratchDir dir;
  RunResult r = run_spec(dir, R"(name = "crash"
[[node]]
name = "client"
role = "workload"
cmd = ["sh", "-c", "kill -SEGV $$"]
[oracle]
workload_exit = 0
)");
  EXPECT_EQ(r.verdict.kind, VerdictKind::Bug);
  EXPECT_EQ(r.verdict.cls, VerdictClass::Crash) << "no fault killed it";
  EXPECT_EQ(r.trace.nodes[0].end, NodeEnd::Signaled);
  EXPECT_EQ(r.trace.nodes[0].signal, SIGSEGV);
  EXPECT_EQ(r.verdict.message, "workload node 'client' was killed by signal 11 (SIGSEGV)");
}

// The workload of the two tests below: it ends once the service is gone (reaped, so the tracer
// has seen its end), not after a fixed time that a loaded machine may not give the service.
constexpr const char* kUntilTheServiceIsGone =
    R"(cmd = ["sh", "-c", "until [ -s service.pid ]; do sleep 0.01; done; while kill -0 $(cat service.pid) 2>/dev/null; do sleep 0.01; done"])";

// A service that dies of a signal mid-run is a crash, though the workload and the oracle
// are content: the verdict names it and what it said last.
TEST(Lifecycle, AServiceDyingOfASignalIsACrash) {
  ScratchDir dir;
  RunResult r = run_spec(dir, fmt::format(R"(name = "service-crash"
[[node]]
name = "service"
cmd = ["sh", "-c", "echo $$ >service.pid; sleep 0.1; echo assertion failed: log index 7 >&2; kill -ABRT $$"]
ready = "delay:10ms"
[[node]]
name = "client"
role = "workload"
{}
[oracle]
workload_exit = 0
cmd = ["sh", "-c", "echo all fine"]
)",
                                          kUntilTheServiceIsGone));
  EXPECT_EQ(r.verdict.kind, VerdictKind::Bug);
  EXPECT_EQ(r.verdict.cls, VerdictClass::Crash);
  EXPECT_EQ(r.verdict.message,
            "node 'service' was killed by signal 6 (SIGABRT): assertion failed: log index 7");
}

// A service that exits on its own, whatever its code, is no crash: the workload and the
// oracle say whether that broke anything (a test server that exits on an error it was given).
TEST(Lifecycle, AServiceExitingIsNoCrashByItself) {
  ScratchDir dir;
  RunResult r = run_spec(dir, fmt::format(R"(name = "service-exit"
[[node]]
name = "service"
cmd = ["sh", "-c", "echo $$ >service.pid; sleep 0.05; exit 2"]
ready = "delay:10ms"
[[node]]
name = "client"
role = "workload"
{}
[oracle]
workload_exit = 0
)",
                                          kUntilTheServiceIsGone));
  EXPECT_EQ(r.verdict.kind, VerdictKind::Good) << r.verdict.message;
  EXPECT_EQ(r.verdict.cls, VerdictClass::None);
  EXPECT_EQ(r.trace.nodes[0].end, NodeEnd::Exited) << "the service ended first, by itself";
  EXPECT_EQ(r.trace.nodes[0].exit_code, 2);
}

TEST(Lifecycle, OracleJudgesWhileServicesRun) {
  ScratchDir dir;
  auto port = free_port();
  // The oracle can only succeed if the service still listens when it runs.
  RunResult good = run_spec(dir, fmt::format(R"(name = "oracle"
[[node]]
name = "server"
cmd = ["{}", "{}", "1"]
ready = "tcp:{}"
[[node]]
name = "client"
role = "workload"
cmd = ["true"]
[oracle]
cmd = ["sh", "-c", "cat /proc/net/tcp /proc/net/tcp6 | grep -qi ':{:04X} .* 0A ' && echo still listening"]
)",
                                             prog("mt_server"), port, port, port));
  EXPECT_EQ(good.verdict.kind, VerdictKind::Good) << good.verdict.message;
  EXPECT_EQ(good.verdict.message, "still listening");
  expect_nothing_survives(good.trace);

  ScratchDir dir2;
  RunResult bad = run_spec(dir2, R"(name = "oracle-bad"
[[node]]
name = "client"
role = "workload"
cmd = ["sh", "-c", "echo 41 > $RUN_DIR/answer"]
[oracle]
cmd = ["sh", "-c", "test $(cat ${RUN_DIR}/answer) = 42 || { echo lost write: got $(cat ${RUN_DIR}/answer); exit 1; }"]
)");
  EXPECT_EQ(bad.verdict.kind, VerdictKind::Bug);
  EXPECT_EQ(bad.verdict.cls, VerdictClass::Safety);
  EXPECT_EQ(bad.verdict.message, "lost write: got 41");
}

TEST(Lifecycle, WorkloadExitCodeIsChecked) {
  ScratchDir dir;
  RunResult r = run_spec(dir, R"(name = "exit"
[[node]]
name = "client"
role = "workload"
cmd = ["sh", "-c", "exit 3"]
[oracle]
workload_exit = 0
)");
  EXPECT_EQ(r.verdict.kind, VerdictKind::Bug);
  EXPECT_EQ(r.verdict.cls, VerdictClass::Safety) << "a workload's exit code is its answer";
  EXPECT_EQ(r.verdict.message, "workload node 'client' exited with 3 (expected 0)");
}

// A workload that fails says why in the verdict: its last line on stderr (else stdout).
TEST(Lifecycle, AFailingWorkloadsLastWordsAreInTheVerdict) {
  ScratchDir dir;
  RunResult r = run_spec(dir, R"(name = "last-words"
[[node]]
name = "client"
role = "workload"
cmd = ["sh", "-c", "echo wrote 1; echo checking >&2; echo acknowledged write lost: backup has - >&2; exit 1"]
[oracle]
workload_exit = 0
)");
  EXPECT_EQ(r.verdict.cls, VerdictClass::Safety);
  EXPECT_EQ(r.verdict.message,
            "workload node 'client' exited with 1 (expected 0): acknowledged write lost: backup "
            "has -");
  ScratchDir dir2;
  RunResult out = run_spec(dir2, R"(name = "last-words-out"
[[node]]
name = "client"
role = "workload"
cmd = ["sh", "-c", "echo wrote 1; echo read 0; exit 1"]
[oracle]
workload_exit = 0
)");
  EXPECT_EQ(out.verdict.message, "workload node 'client' exited with 1 (expected 0): read 0");
}

TEST(Lifecycle, NodeDyingBeforeReadyIsAStartFailure) {
  ScratchDir dir;
  auto port = free_port();
  RunResult r = run_spec(dir, fmt::format(R"(name = "nostart"
[[node]]
name = "server"
cmd = ["sh", "-c", "echo cannot bind >&2; exit 4"]
ready = "tcp:{}"
[[node]]
name = "client"
role = "workload"
cmd = ["true"]
)",
                                          port));
  EXPECT_EQ(r.verdict.kind, VerdictKind::StartFailed);
  EXPECT_EQ(r.trace.end, RunEnd::StartFailed);
  EXPECT_EQ(r.verdict.message,
            "node 'server' exited with 4 before it was ready (server.err: cannot bind)");
  EXPECT_EQ(r.trace.nodes[1].end, NodeEnd::NotStarted);
}

// Job control works on a traced node as it does untraced: SIGSTOP stops it until SIGCONT.
// The tracer leaves a group-stop in place (PTRACE_LISTEN on a seized task); resuming it, as
// it once did, let the node run on while it was meant to be stopped.
TEST(Lifecycle, SigstopHoldsATracedNodeUntilSigcont) {
  ScratchDir dir;
  RunResult r = run_spec(dir, R"(name = "jobcontrol"
[[node]]
name = "ticker"
cmd = ["sh", "-c", "echo $$ > pid.tmp; mv pid.tmp pid; while :; do echo tick >> ticks; sleep 0.01; done"]
ready = "file:pid"
[[node]]
name = "client"
role = "workload"
cmd = ["sh", "-c", "p=$(cat pid); kill -STOP $p; sleep 0.2; a=$(wc -l < ticks); sleep 0.4; b=$(wc -l < ticks); kill -CONT $p; sleep 0.4; c=$(wc -l < ticks); echo stopped $a $b resumed $c; test $a -eq $b && test $c -gt $b"]
[oracle]
workload_exit = 0
)");
  EXPECT_EQ(r.verdict.kind, VerdictKind::Good) << r.verdict.message;
  std::string said = slurp(dir.path() / "run" / "client.out");
  EXPECT_NE(said.find("stopped"), std::string::npos) << said;
  EXPECT_EQ(r.trace.nodes[0].end, NodeEnd::Killed);
  expect_nothing_survives(r.trace);
}

TEST(Lifecycle, NodeOutputIsKeptInTheRunDir) {
  ScratchDir dir;
  RunResult r = run_spec(dir, R"(name = "out"
[[node]]
name = "client"
role = "workload"
cmd = ["sh", "-c", "echo to-out; echo to-err >&2; echo $KEY"]
env = { KEY = "${RUN_DIR}" }
)");
  EXPECT_EQ(r.verdict.kind, VerdictKind::Good);
  std::ifstream out(dir.path() / "run" / "client.out"), err(dir.path() / "run" / "client.err");
  std::string l1, l2, e1;
  std::getline(out, l1);
  std::getline(out, l2);
  std::getline(err, e1);
  EXPECT_EQ(l1, "to-out");
  EXPECT_EQ(l2, std::filesystem::canonical(dir.path() / "run").string());
  EXPECT_EQ(e1, "to-err");
  EXPECT_TRUE(channels(r.trace, ChannelKind::File).empty())
      << "a node's own stdout/stderr are not channels";
}

// A syscall on an fd that is no channel costs its seccomp stop and nothing more.
TEST(Lifecycle, UninterestingFdsNeverCostAnExitStop) {
  auto run_dd = [](int count) {
    ScratchDir dir;
    return run_spec(dir, fmt::format(R"(name = "dd"
[[node]]
name = "dd"
role = "workload"
cmd = ["dd", "if=/dev/zero", "of=/dev/null", "bs=1", "count={}"]
)",
                                     count))
        .trace.stats;
  };
  TraceStats small = run_dd(10), large = run_dd(2010);
  EXPECT_GE(large.seccomp_stops - small.seccomp_stops, 4000u);
  EXPECT_EQ(large.exit_stops, small.exit_stops);
}

}  // namespace
}  // namespace fissure::testing

namespace fissure::testing {
namespace {

// Two runs at once, each traced from its own thread: neither sees the other's processes, and
// the first to end does not disturb the second.
TEST(Lifecycle, SessionsRunSideBySideInThreads) {
  ScratchDir d1, d2;
  auto p1 = free_port(), p2 = static_cast<std::uint16_t>(free_port() + 3);
  RunResult r1, r2;
  std::thread slow([&] {
    r1 = run_spec(d1,
                  server_client_spec(
                      "slow", {prog("tcp_server"), std::to_string(p1)}, fmt::format("tcp:{}", p1),
                      {"sh", "-c", fmt::format("sleep 0.3; exec {} {}", prog("tcp_client"), p1)}));
  });
  std::thread fast([&] { r2 = run_spec(d2, tcp_pair_spec(p2)); });
  fast.join();
  slow.join();
  EXPECT_EQ(r1.verdict.kind, VerdictKind::Good) << r1.verdict.message;
  EXPECT_EQ(r2.verdict.kind, VerdictKind::Good) << r2.verdict.message;
  for (const RunResult* r : {&r1, &r2}) {
    ASSERT_EQ(channels(r->trace, ChannelKind::Tcp).size(), 1u)
        << "each run saw only its own connection";
    std::int64_t sent = 0;
    for (const Event& e : r->trace.events)
      if (e.node == 1 && sys_info(e.sys).has(kSend) && e.channel >= 0) sent += e.moved;
    EXPECT_EQ(sent, 300);
  }
}

}  // namespace
}  // namespace fissure::testing

namespace fissure::testing {
namespace {

// Isolated runs each have their own loopback: two redis-getset runs at once, both on the
// target's fixed port 6379.
TEST(Lifecycle, IsolatedRunsShareFixedPorts) {
  Spec spec =
      load_spec(std::string(FISSURE_SOURCE_DIR) + "/experiments/targets/redis-getset/target.toml");
  ScratchDir d1, d2;
  RunResult r1, r2;
  auto run = [&spec](const ScratchDir& d, RunResult& out) {
    out = run_traced(spec, {.run_dir = d.path() / "run",
                            .cpu = 0,
                            .exact_results = false,
                            .plan = {},
                            .isolate = true});
  };
  std::thread a(run, std::cref(d1), std::ref(r1)), b(run, std::cref(d2), std::ref(r2));
  a.join();
  b.join();
  EXPECT_EQ(r1.verdict.kind, VerdictKind::Good) << r1.verdict.message;
  EXPECT_EQ(r2.verdict.kind, VerdictKind::Good) << r2.verdict.message;
}

bool any_process_with_argument(const std::string& arg) {
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::ifstream cmdline(entry.path() / "cmdline");
    std::string all((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
    if (all.find(arg) != std::string::npos &&
        process_exists(std::stoi(entry.path().filename().string())))
      return true;
  }
  return false;
}

// An untraced node's daemon (setsid, ignores SIGTERM) is not in the tracer's sight; the run's
// PID namespace still takes it down with the run.
TEST(Lifecycle, NothingSurvivesAnIsolatedRunEvenUntraced) {
  ScratchDir dir;
  RunResult r = run_spec(dir, R"(name = "escape"
[[node]]
name = "daemon"
traced = false
cmd = ["sh", "-c", "setsid sh -c 'trap \"\" TERM; exec sleep 4242.5' & sleep 4242.6"]
ready = "delay:200ms"
[[node]]
name = "client"
role = "workload"
cmd = ["true"]
)");
  EXPECT_EQ(r.verdict.kind, VerdictKind::Good) << r.verdict.message;
  EXPECT_FALSE(any_process_with_argument("4242.5")) << "the setsid'd daemon outlived its run";
  EXPECT_FALSE(any_process_with_argument("4242.6"));
}

}  // namespace
}  // namespace fissure::testing
