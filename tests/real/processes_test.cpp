// Threads, forks and exec under the tracer.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <set>

#include "cluster.hpp"

namespace fissure::testing {
namespace {

std::string server_clients_spec(const std::string& server, const std::string& client,
                                std::uint16_t port, int n) {
  return server_client_spec("procs", {prog(server), std::to_string(port), std::to_string(n)},
                            fmt::format("tcp:{}", port),
                            {prog(client), std::to_string(port), std::to_string(n)});
}

// For each client connection: the server's side acts from one task, and every server read
// depends on exactly the client's write.
struct ServerSides {
  std::set<pid_t> pids, tids;
};
ServerSides check_connections(const Trace& t, std::size_t expected) {
  ServerSides out;
  auto tcp = channels(t, ChannelKind::Tcp);
  EXPECT_EQ(tcp.size(), expected);
  for (const Channel* ch : tcp) {
    EXPECT_EQ(ch->node_a, 1);
    EXPECT_EQ(ch->node_b, 0);
    std::vector<const Event*> cw, sr, sw, cr;
    for (const Event& e : t.events) {
      if (e.channel != static_cast<std::int32_t>(ch->id) || e.moved <= 0) continue;
      bool send = sys_info(e.sys).has(kSend);
      (e.node == 1 ? (send ? cw : cr) : (send ? sw : sr)).push_back(&e);
    }
    EXPECT_EQ(cw.size(), 1u);
    EXPECT_EQ(sw.size(), 1u);
    std::int64_t got = 0;
    for (const Event* e : sr) {
      got += e->moved;
      EXPECT_EQ(sources(t, *e, EdgeKind::Message), std::vector<std::uint64_t>{cw.at(0)->id});
      out.pids.insert(e->pid);
      out.tids.insert(e->tid);
    }
    EXPECT_EQ(got, 100);
    for (const Event* e : cr)
      EXPECT_EQ(sources(t, *e, EdgeKind::Message), std::vector<std::uint64_t>{sw.at(0)->id});
  }
  return out;
}

TEST(Processes, MultiThreadedServer) {
  ScratchDir dir;
  auto port = free_port();
  RunResult r = run_spec(dir, server_clients_spec("mt_server", "mt_client", port, 3));
  ASSERT_EQ(r.verdict.kind, VerdictKind::Good) << r.verdict.message;
  ServerSides s = check_connections(r.trace, 3);
  EXPECT_EQ(s.pids, std::set<pid_t>{r.trace.nodes[0].pid}) << "threads share the process";
  EXPECT_EQ(s.tids.size(), 3u) << "each connection is served by its own thread";
  EXPECT_FALSE(s.tids.contains(r.trace.nodes[0].pid)) << "not by the accepting main thread";
  // Each handler thread's first event follows the clone that made it.
  std::size_t clone_edges = 0;
  for (const Edge& e : r.trace.edges) clone_edges += e.kind == EdgeKind::Fork;
  EXPECT_GE(clone_edges, 3u);
}

TEST(Processes, ForkingServer) {
  ScratchDir dir;
  auto port = free_port();
  RunResult r = run_spec(dir, server_clients_spec("fork_server", "mt_client", port, 3));
  ASSERT_EQ(r.verdict.kind, VerdictKind::Good) << r.verdict.message;
  ServerSides s = check_connections(r.trace, 3);
  EXPECT_EQ(s.pids.size(), 3u) << "each connection is served by its own child";
  EXPECT_FALSE(s.pids.contains(r.trace.nodes[0].pid));
  // The server's fork events name exactly those children.
  std::set<pid_t> forked;
  for (const Event& e : r.trace.events)
    if (e.node == 0 && (e.sys == Sys::fork || e.sys == Sys::clone || e.sys == Sys::clone3))
      forked.insert(e.child);
  EXPECT_EQ(forked, s.pids);
}

TEST(Processes, ExecKeepsTheNodeAndForgetsClosedFds) {
  ScratchDir dir;
  auto port = free_port();
  RunResult r = run_spec(dir, server_client_spec("exec", {prog("tcp_server"), std::to_string(port)},
                                                 fmt::format("tcp:{}", port),
                                                 {prog("exec_client"), std::to_string(port)}));
  ASSERT_EQ(r.verdict.kind, VerdictKind::Good) << r.verdict.message;
  const Trace& t = r.trace;
  auto execs = events(t, "client", Sys::execve);
  ASSERT_EQ(execs.size(), 2u) << "the node's own exec and exec_client's exec of tcp_client";
  EXPECT_TRUE(execs[1]->peer.ends_with("/tcp_client")) << execs[1]->peer;
  EXPECT_EQ(execs[1]->pid, t.nodes[1].pid);
  auto tcp = channels(t, ChannelKind::Tcp);
  ASSERT_EQ(tcp.size(), 1u) << "the sockets exec_client made before exec never connected";
  std::vector<const Event*> cw;
  for (const Event* e : events_on(t, tcp[0]->id, Sys::write))
    if (e->node == 1) cw.push_back(e);
  ASSERT_EQ(cw.size(), 3u);
  for (const Event* e : cw) EXPECT_GT(e->id, execs[1]->id);
}

}  // namespace
}  // namespace fissure::testing

namespace fissure::testing {
namespace {

// bash connects, then execs `head`, which writes to the inherited socket: the tracer first
// learns what that fd is at the write's entry (from a copy of the fd), and the write still
// happens exactly once.
TEST(Processes, SocketInheritedAcrossExecIsLearnedAtFirstUse) {
  ScratchDir dir;
  auto port = free_port();
  RunResult r = run_spec(
      dir,
      server_client_spec(
          "inherit", {prog("tcp_server"), std::to_string(port)}, fmt::format("tcp:{}", port),
          {"bash", "-c",
           fmt::format("exec 3<>/dev/tcp/127.0.0.1/{}; exec head -c 300 /dev/zero >&3", port)}));
  ASSERT_EQ(r.verdict.kind, VerdictKind::Good) << r.verdict.message;
  const Trace& t = r.trace;
  auto tcp = channels(t, ChannelKind::Tcp);
  ASSERT_EQ(tcp.size(), 1u);
  std::vector<const Event*> cw, sr;
  std::int64_t sent = 0, got = 0;
  for (const Event* e : events_on(t, tcp[0]->id, Sys::write)) {
    if (e->node != 1) continue;
    EXPECT_EQ(e->fd, 1);
    cw.push_back(e);
    sent += e->moved;
  }
  for (const Event* e : events_on(t, tcp[0]->id, Sys::read)) {
    if (e->node != 0) continue;
    sr.push_back(e);
    got += e->moved;
  }
  EXPECT_EQ(sent, 300) << "each write happened once";
  EXPECT_EQ(got, 300);
  for (const Event* e : sr) {
    if (e->moved > 0) {
      EXPECT_EQ(sources(t, *e, EdgeKind::Message), overlapping(cw, *e));
    }
  }
  EXPECT_GE(t.stats.fd_copies, 2u) << "bash's socket at connect, then head's fd 1 after the exec";
}

}  // namespace
}  // namespace fissure::testing

namespace fissure::testing {
namespace {

// A Go runtime (etcd): many threads, signals for preemption, file writes with fdatasync.
TEST(Processes, GoRuntimeEtcdPutGet) {
  ScratchDir dir;
  RunResult r = run_spec(dir, R"(name = "etcd"
timeout = "30s"
[[node]]
name = "etcd"
cmd = ["etcd", "--data-dir", "${RUN_DIR}/data", "--listen-client-urls", "http://127.0.0.1:23791",
       "--advertise-client-urls", "http://127.0.0.1:23791", "--listen-peer-urls", "http://127.0.0.1:23801"]
ready = "tcp:23791"
[[node]]
name = "client"
role = "workload"
cmd = ["sh", "-c", "etcdctl --endpoints=127.0.0.1:23791 put k v && test \"$(etcdctl --endpoints=127.0.0.1:23791 get --print-value-only k)\" = v"]
env = { ETCDCTL_API = "3" }
[oracle]
workload_exit = 0
)");
  ASSERT_EQ(r.verdict.kind, VerdictKind::Good) << r.verdict.message;
  const Trace& t = r.trace;
  std::set<pid_t> etcd_threads;
  for (const Event& e : t.events)
    if (e.node == 0) etcd_threads.insert(e.tid);
  EXPECT_GE(etcd_threads.size(), 2u);
  // The write-ahead log is written and synced (etcd creates it in wal.tmp/ and renames the
  // folder; a channel keeps the path its file had when first written).
  bool wal_synced = false;
  for (const Event& e : t.events)
    if (e.node == 0 && e.sys == Sys::fdatasync && e.channel >= 0)
      wal_synced = wal_synced || t.channels[e.channel].label.ends_with(".wal");
  EXPECT_TRUE(wal_synced);
  std::size_t client_to_etcd = 0;
  for (const auto& c : t.channels)
    client_to_etcd += c.kind == ChannelKind::Tcp && c.node_a == 1 && c.node_b == 0;
  EXPECT_EQ(client_to_etcd, 2u) << "one connection per etcdctl";
}

}  // namespace
}  // namespace fissure::testing
