// Client/server pairs of small real programs, traced; every channel, byte count and causal
// edge is checked against what the programs are known to do.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "cluster.hpp"
#include "fissure/model/lineage.hpp"

namespace fissure::testing {
namespace {

std::string pair_spec(const std::string& server, const std::string& client, const std::string& arg,
                      const std::string& ready) {
  return server_client_spec("pair", {prog(server), arg}, ready, {prog(client), arg});
}

std::int64_t total_moved(const std::vector<const Event*>& evs) {
  std::int64_t sum = 0;
  for (const Event* e : evs) sum += e->moved;
  return sum;
}

// Every receive that moved bytes depends on exactly the sends its byte range covers.
void expect_stream_edges(const Trace& t, const std::vector<const Event*>& sends,
                         const std::vector<const Event*>& recvs, EdgeKind kind) {
  for (const Event* r : recvs) {
    if (r->moved <= 0) continue;
    EXPECT_EQ(sources(t, *r, kind), overlapping(sends, *r)) << "receive event " << r->id;
    EXPECT_FALSE(sources(t, *r, kind).empty());
  }
}

// Both ways of learning a TCP call's result must give the same record: the exit stop
// (exact) and the kernel's TCP counters read at the next call (the default, inferred).
class TcpResults : public ::testing::TestWithParam<bool> {};

TEST_P(TcpResults, ClientServerBytesAndEdges) {
  const bool exact = GetParam();
  ScratchDir dir;
  auto port = free_port();
  RunResult r = run_spec(
      dir, pair_spec("tcp_server", "tcp_client", std::to_string(port), fmt::format("tcp:{}", port)),
      exact);
  ASSERT_EQ(r.verdict.kind, VerdictKind::Good) << r.verdict.message;
  const Trace& t = r.trace;

  auto tcp = channels(t, ChannelKind::Tcp);
  ASSERT_EQ(tcp.size(), 1u);
  const Channel& ch = *tcp[0];
  EXPECT_EQ(ch.node_a, 1) << "the connecting client is side a";
  EXPECT_EQ(ch.node_b, 0);
  EXPECT_EQ(ch.side_b, fmt::format("127.0.0.1:{}", port));

  auto client_writes = events_on(t, ch.id, Sys::write);
  std::vector<const Event*> cw, sw;
  for (const Event* e : client_writes) (e->node == 1 ? cw : sw).push_back(e);
  ASSERT_EQ(cw.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(cw[i]->moved, 100);
    EXPECT_EQ(cw[i]->asked, 100);
    EXPECT_EQ(cw[i]->offset, 100u * i);
    EXPECT_EQ(cw[i]->dir, EventDir::AtoB);
  }
  ASSERT_EQ(sw.size(), 1u);
  EXPECT_EQ(sw[0]->moved, 300);
  EXPECT_EQ(sw[0]->dir, EventDir::BtoA);

  std::vector<const Event*> sr, cr;
  for (const Event* e : events_on(t, ch.id, Sys::read)) (e->node == 0 ? sr : cr).push_back(e);
  EXPECT_EQ(total_moved(sr), 300);
  EXPECT_EQ(total_moved(cr), 300);
  EXPECT_EQ(sr.front()->asked, 128);
  EXPECT_EQ(cr.front()->asked, 64);
  expect_stream_edges(t, cw, sr, EdgeKind::Message);
  expect_stream_edges(t, sw, cr, EdgeKind::Message);
  for (const Event* e : cr)
    EXPECT_EQ(sources(t, *e, EdgeKind::Message), std::vector<std::uint64_t>{sw[0]->id});

  auto connects = events(t, "client", Sys::connect);
  auto accepts = events(t, "server", Sys::accept4);
  ASSERT_FALSE(connects.empty());
  ASSERT_EQ(accepts.size(), 1u);
  EXPECT_EQ(accepts[0]->channel, static_cast<std::int32_t>(ch.id));
  EXPECT_EQ(sources(t, *accepts[0], EdgeKind::Connect),
            std::vector<std::uint64_t>{connects.back()->id});

  // The server's last read returns 0 because the client closed: an EOF edge.
  const Event* eof = sr.back();
  EXPECT_EQ(eof->moved, 0);
  EXPECT_EQ(eof->result, 0) << "end of stream, not an error";
  auto closes = events(t, "client", Sys::close);
  ASSERT_FALSE(closes.empty());
  EXPECT_EQ(sources(t, *eof, EdgeKind::Eof), std::vector<std::uint64_t>{closes.back()->id});
  for (const Event* e : events_on(t, ch.id, Sys::write)) EXPECT_EQ(e->inferred, !exact);
  for (const Event* e : events_on(t, ch.id, Sys::read)) EXPECT_EQ(e->inferred, !exact);
  // Exact mode stops at the exit of every data call; inferred mode at none of them (the
  // exit stops left are connect, accept, socket and the like).
  std::uint64_t data_calls =
      events_on(t, ch.id, Sys::write).size() + events_on(t, ch.id, Sys::read).size();
  if (exact) {
    EXPECT_GE(t.stats.exit_stops, data_calls);
  } else {
    EXPECT_LT(t.stats.exit_stops, data_calls);
  }
}

// The client half-closes, then the server answers and closes: the client's socket ends in
// CLOSE, where the TCP state alone cannot tell a FIN from a reset.
TEST_P(TcpResults, HalfCloseThenReadToEnd) {
  const bool exact = GetParam();
  ScratchDir dir;
  auto port = free_port();
  RunResult r = run_spec(dir,
                         pair_spec("tcp_server", "halfclose_client", std::to_string(port),
                                   fmt::format("tcp:{}", port)),
                         exact);
  ASSERT_EQ(r.verdict.kind, VerdictKind::Good) << r.verdict.message;
  const Trace& t = r.trace;
  std::vector<const Event*> reads;
  for (const Event& e : t.events)
    if (e.node == 1 && e.sys == Sys::read && e.channel >= 0) reads.push_back(&e);
  ASSERT_GE(reads.size(), 2u);
  std::int64_t got = 0;
  for (const Event* e : reads) got += e->moved;
  EXPECT_EQ(got, 300) << "no FIN counted as data";
  EXPECT_EQ(reads.back()->moved, 0);
  EXPECT_EQ(reads.back()->result, 0) << "end of stream, not -EAGAIN";
  EXPECT_EQ(sources(t, *reads.back(), EdgeKind::Eof).size(), 1u);
  for (const Event* e : reads) {
    if (e->moved > 0) {
      EXPECT_FALSE(sources(t, *e, EdgeKind::Message).empty());
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Channels, TcpResults, ::testing::Values(false, true),
                         [](const auto& info) {
                           return info.param ? "ExactExitStops" : "InferredFromCounters";
                         });

TEST(Channels, UdpDatagramsMatchOneToOne) {
  ScratchDir dir;
  auto port = free_port();
  RunResult r = run_spec(dir, udp_pair_spec(port, "20s", true));
  ASSERT_EQ(r.verdict.kind, VerdictKind::Good) << r.verdict.message;
  const Trace& t = r.trace;
  auto udp = channels(t, ChannelKind::Udp);
  ASSERT_EQ(udp.size(), 1u) << "one pair of endpoints, one channel";
  const Channel& ch = *udp[0];
  EXPECT_TRUE((ch.node_a == 0 && ch.node_b == 1) || (ch.node_a == 1 && ch.node_b == 0));

  std::vector<const Event*> client_sends, server_recvs, server_sends, client_recvs;
  for (const Event& e : t.events) {
    if (e.channel != static_cast<std::int32_t>(ch.id) || e.moved <= 0) continue;
    bool send = sys_info(e.sys).has(kSend);
    (e.node == 1 ? (send ? client_sends : client_recvs) : (send ? server_sends : server_recvs))
        .push_back(&e);
  }
  ASSERT_EQ(client_sends.size(), 3u);
  ASSERT_EQ(server_recvs.size(), 3u);
  ASSERT_EQ(server_sends.size(), 3u);
  ASSERT_EQ(client_recvs.size(), 3u);
  EXPECT_EQ(client_sends[1]->sys, Sys::sendmsg);
  EXPECT_EQ(client_recvs[1]->sys, Sys::recvmsg);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(client_sends[i]->moved, 10 * (i + 1));
    EXPECT_EQ(server_recvs[i]->moved, 10 * (i + 1));
    EXPECT_EQ(sources(t, *server_recvs[i], EdgeKind::Datagram),
              std::vector<std::uint64_t>{client_sends[i]->id});
    EXPECT_EQ(server_sends[i]->moved, 5);
    EXPECT_EQ(sources(t, *client_recvs[i], EdgeKind::Datagram),
              std::vector<std::uint64_t>{server_sends[i]->id});
    EXPECT_TRUE(server_recvs[i]->peer.starts_with("127.0.0.1:")) << server_recvs[i]->peer;
    EXPECT_NE(server_recvs[i]->peer, fmt::format("127.0.0.1:{}", port))
        << "the sender's address, not the server's";
  }
  EXPECT_EQ(client_sends[0]->peer, fmt::format("127.0.0.1:{}", port));
}

TEST(Channels, UnixStreamBytesAndEdges) {
  ScratchDir dir;
  std::string path = (dir.path() / "sock").string();
  RunResult r = run_spec(dir, pair_spec("unix_server", "unix_client", path, "file:" + path));
  ASSERT_EQ(r.verdict.kind, VerdictKind::Good) << r.verdict.message;
  const Trace& t = r.trace;
  auto unix_channels = channels(t, ChannelKind::UnixStream);
  ASSERT_EQ(unix_channels.size(), 1u);
  const Channel& ch = *unix_channels[0];
  EXPECT_EQ(ch.label, path);
  EXPECT_EQ(ch.node_a, 1);
  EXPECT_EQ(ch.node_b, 0);
  std::vector<const Event*> cw, sw, cr, sr;
  for (const Event* e : events_on(t, ch.id, Sys::write)) (e->node == 1 ? cw : sw).push_back(e);
  for (const Event* e : events_on(t, ch.id, Sys::read)) (e->node == 1 ? cr : sr).push_back(e);
  ASSERT_EQ(cw.size(), 1u);
  EXPECT_EQ(cw[0]->moved, 200);
  ASSERT_EQ(sw.size(), 2u);
  EXPECT_EQ(sw[1]->offset, 100u);
  EXPECT_EQ(total_moved(sr), 200);
  EXPECT_EQ(total_moved(cr), 200);
  expect_stream_edges(t, cw, sr, EdgeKind::Message);
  expect_stream_edges(t, sw, cr, EdgeKind::Message);
}

TEST(Channels, PipeBetweenForkedProcesses) {
  ScratchDir dir;
  RunResult r = run_spec(dir, fmt::format(R"(name = "pipe"
[[node]]
name = "pp"
role = "workload"
cmd = ["{}"]
[oracle]
workload_exit = 0
)",
                                          prog("pipe_pair")));
  ASSERT_EQ(r.verdict.kind, VerdictKind::Good) << r.verdict.message;
  const Trace& t = r.trace;
  auto pipes = channels(t, ChannelKind::Pipe);
  ASSERT_EQ(pipes.size(), 1u);
  auto writes = events_on(t, pipes[0]->id, Sys::write);
  auto reads = events_on(t, pipes[0]->id, Sys::read);
  ASSERT_EQ(writes.size(), 3u);
  pid_t parent = t.nodes[0].pid;
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(writes[i]->moved, 50);
    EXPECT_EQ(writes[i]->offset, 50u * i);
    EXPECT_NE(writes[i]->pid, parent) << "the child writes";
  }
  EXPECT_EQ(total_moved(reads), 150);
  for (const Event* e : reads) EXPECT_EQ(e->pid, parent);
  expect_stream_edges(t, writes, reads, EdgeKind::Pipe);

  // fork precedes the child's first event.
  std::vector<const Event*> forks;
  for (const Event& e : t.events)
    if ((e.sys == Sys::clone || e.sys == Sys::fork || e.sys == Sys::clone3) && e.pid == parent)
      forks.push_back(&e);
  ASSERT_EQ(forks.size(), 1u);
  const Event* child_first = nullptr;
  for (const Event& e : t.events)
    if (e.tid == forks[0]->child) {
      child_first = &e;
      break;
    }
  ASSERT_NE(child_first, nullptr);
  EXPECT_EQ(sources(t, *child_first, EdgeKind::Fork), std::vector<std::uint64_t>{forks[0]->id});
}

TEST(Channels, DupedFdsKeepTheirChannel) {
  ScratchDir dir;
  auto port = free_port();
  RunResult r = run_spec(dir, pair_spec("tcp_server", "dup_client", std::to_string(port),
                                        fmt::format("tcp:{}", port)));
  ASSERT_EQ(r.verdict.kind, VerdictKind::Good) << r.verdict.message;
  const Trace& t = r.trace;
  auto tcp = channels(t, ChannelKind::Tcp);
  ASSERT_EQ(tcp.size(), 1u);
  std::vector<const Event*> cw, sr;
  for (const Event* e : events_on(t, tcp[0]->id, Sys::write))
    if (e->node == 1) cw.push_back(e);
  for (const Event* e : events_on(t, tcp[0]->id, Sys::read))
    if (e->node == 0) sr.push_back(e);
  ASSERT_EQ(cw.size(), 3u);
  EXPECT_EQ(cw[0]->fd, 10);
  EXPECT_EQ(cw[1]->fd, 20);
  EXPECT_EQ(cw[2]->fd, 30);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(cw[i]->offset, 100u * i);
  expect_stream_edges(t, cw, sr, EdgeKind::Message);
  EXPECT_EQ(events(t, "client", Sys::dup2).size(), 1u);
  EXPECT_EQ(events(t, "client", Sys::fcntl).size(), 1u);
  EXPECT_EQ(events(t, "client", Sys::dup3).size(), 1u);
  for (Sys s : {Sys::dup2, Sys::fcntl, Sys::dup3})
    EXPECT_EQ(events(t, "client", s)[0]->channel, static_cast<std::int32_t>(tcp[0]->id));
  // The client reads its 300 bytes through fd 30 only.
  std::int64_t via30 = 0;
  for (const Event* e : events_on(t, tcp[0]->id, Sys::read))
    if (e->node == 1) {
      EXPECT_EQ(e->fd, 30);
      via30 += e->moved;
    }
  EXPECT_EQ(via30, 300);
}

// file_writer as the workload, writing `path`; `oracle` adds to the [oracle] section.
std::string writer_spec(const std::string& path, const std::string& oracle = "") {
  return fmt::format(R"(name = "file"
[[node]]
name = "writer"
role = "workload"
cmd = ["{}", "{}"]
[oracle]
workload_exit = 0
{})",
                     prog("file_writer"), path, oracle);
}

TEST(Channels, FileWritesAndSyncsOnly) {
  ScratchDir dir;
  RunResult r = run_spec(dir, writer_spec("${RUN_DIR}/data"));
  ASSERT_EQ(r.verdict.kind, VerdictKind::Good) << r.verdict.message;
  const Trace& t = r.trace;
  auto files = channels(t, ChannelKind::File);
  ASSERT_EQ(files.size(), 1u) << "only the written file is a channel, not /proc/self/status";
  EXPECT_EQ(files[0]->label, "${RUN_DIR}/data");
  auto writes = events_on(t, files[0]->id, Sys::write);
  ASSERT_EQ(writes.size(), 4u);
  for (const Event* e : writes) EXPECT_EQ(e->moved, 1024);
  auto pwrites = events_on(t, files[0]->id, Sys::pwrite64);
  ASSERT_EQ(pwrites.size(), 1u);
  EXPECT_EQ(pwrites[0]->moved, 100);
  EXPECT_EQ(events_on(t, files[0]->id, Sys::fsync).size(), 1u);
  EXPECT_EQ(events_on(t, files[0]->id, Sys::fdatasync).size(), 1u);
  EXPECT_TRUE(events(t, "writer", Sys::read).empty()) << "reads of regular files are not recorded";
}

// oracle.outcome_files names files as a person would: relative to the run directory, digits
// and all. The run names them as its file writes are named, so the last write is found.
TEST(Channels, NamedOutcomeFileIsFoundAsTheRunNamesIt) {
  ScratchDir dir;
  RunResult r =
      run_spec(dir, writer_spec("out-20261129.log", "outcome_files = [\"out-20261129.log\"]\n"));
  ASSERT_EQ(r.verdict.kind, VerdictKind::Good) << r.verdict.message;
  const Trace& t = r.trace;
  EXPECT_EQ(t.outcome_files, std::vector<std::string>{"${RUN_DIR}/out-#.log"});
  auto outcomes = outcome_events(t);
  ASSERT_EQ(outcomes.size(), 1u);
  const Event& last = t.events[outcomes[0]];
  EXPECT_EQ(last.sys, Sys::pwrite64) << "the last write: 100 bytes at offset 4096";
  EXPECT_EQ(outcome_key(t, outcomes[0]), "last write to ${RUN_DIR}/out-#.log");
}

}  // namespace
}  // namespace fissure::testing

namespace fissure::testing {
namespace {

class SocketPairs : public ::testing::TestWithParam<std::string> {};

TEST_P(SocketPairs, ChildToParent) {
  const bool dgram = GetParam() == "dgram";
  ScratchDir dir;
  RunResult r = run_spec(dir, fmt::format(R"(name = "socketpair"
[[node]]
name = "pair"
role = "workload"
cmd = {}
[oracle]
workload_exit = 0
)",
                                          toml_array({prog("socketpair_pair"), GetParam()})));
  ASSERT_EQ(r.verdict.kind, VerdictKind::Good) << r.verdict.message;
  const Trace& t = r.trace;
  auto pairs = channels(t, dgram ? ChannelKind::UnixDgram : ChannelKind::UnixStream);
  ASSERT_EQ(pairs.size(), 1u);
  EXPECT_EQ(pairs[0]->label, "socketpair");
  auto writes = events_on(t, pairs[0]->id, Sys::write);
  auto reads = events_on(t, pairs[0]->id, Sys::read);
  ASSERT_EQ(writes.size(), 3u);
  for (const Event* w : writes) EXPECT_NE(w->pid, t.nodes[0].pid) << "the child writes";
  std::int64_t got = 0;
  for (const Event* e : reads) got += e->moved;
  EXPECT_EQ(got, 120);
  if (dgram) {
    ASSERT_EQ(reads.size(), 3u);
    for (int i = 0; i < 3; ++i)
      EXPECT_EQ(sources(t, *reads[i], EdgeKind::Datagram),
                std::vector<std::uint64_t>{writes[i]->id});
  } else {
    expect_stream_edges(t, writes, reads, EdgeKind::Message);
  }
}

INSTANTIATE_TEST_SUITE_P(Channels, SocketPairs, ::testing::Values("stream", "dgram"));

}  // namespace
}  // namespace fissure::testing
