// The diff of a run against its fault-free baseline, on hand-built traces whose difference
// is known: a client's three requests to a server, each answered; the run loses the server's
// third answer (a crash just before it), and so the client's third read and its BYE.
#include "fissure/model/trace_diff.hpp"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>

#include "fissure/model/payload_text.hpp"

namespace fissure {
namespace {

class Dialog {
 public:
  Trace t;
  Dialog() {
    t.nodes.push_back({"client", true, {}, 0, NodeEnd::Exited, 0, 0, 0, 0, 0});
    t.nodes.push_back({"server", false, {}, 0, NodeEnd::Exited, 0, 0, 0, 0, 0});
    t.channels.push_back({0, ChannelKind::Tcp, "a", "b", "server:1", 0, 1});
    t.channels.push_back({1, ChannelKind::File, "f", "f", "log", 1, 1});
    t.channels.push_back({2, ChannelKind::Tcp, "c", "d", "server:1", 0, 1});  // a 2nd connection
  }
  std::int32_t conn = 0;  // the connection sends and receives go on: channel 0 or 2
  std::uint64_t ev(std::uint32_t node, OpClass op, const std::string& peer, std::int64_t moved,
                   const std::string& head = "") {
    Event& e = t.events.emplace_back();
    e.id = t.events.size() - 1;
    e.node = node;
    e.pid = e.tid = 10 + static_cast<std::int32_t>(node);
    e.seq = seq_[node]++;
    e.sys = op == OpClass::Send || op == OpClass::FileWrite ? Sys::write : Sys::read;
    e.channel = op == OpClass::FileWrite ? 1 : conn;
    e.moved = e.asked = e.result = moved;
    e.head = head;
    e.time_ns = e.end_ns = 1000 + e.id * 10;
    e.point = {t.nodes[node].name, op, peer, ++k_[{node, peer, static_cast<int>(op)}]};
    return e.id;
  }
  // A message from `from` to the other node, read at once.
  std::uint64_t msg(std::uint32_t from, const std::string& head) {
    std::uint32_t to = 1 - from;
    auto s = ev(from, OpClass::Send, t.nodes[to].name, 8, head);
    auto r = ev(to, OpClass::Recv, t.nodes[from].name, 8);
    t.edges.push_back({s, r, EdgeKind::Message});
    return s;
  }
  void end() {
    t.nodes[0].end_ns = t.events.back().time_ns + 1;  // the workload's window ends here
  }

 private:
  std::map<std::uint32_t, std::uint64_t> seq_;
  std::map<std::tuple<std::uint32_t, std::string, int>, std::uint32_t> k_;
};

TEST(TraceDiff, MarksExactlyTheMessagesTheFaultRemoved) {
  Dialog base;
  std::vector<std::uint64_t> base_sends;
  for (int i = 0; i < 3; ++i) {
    base_sends.push_back(base.msg(0, "GET"));
    base.ev(1, OpClass::FileWrite, "log", 4);  // the server logs each request: no message
    base_sends.push_back(base.msg(1, "+OK"));
  }
  base_sends.push_back(base.msg(0, "BYE"));
  base.end();

  Dialog run;  // the server crashes before its third answer; the client's read fails
  for (int i = 0; i < 3; ++i) {
    run.msg(0, "GET");
    run.ev(1, OpClass::FileWrite, "log", 4);
    if (i < 2) run.msg(1, "+OK");
  }
  std::uint64_t failed_read = run.ev(0, OpClass::Recv, "server", 0);
  run.end();

  TraceDiff d = diff_traces(base.t, run.t);
  std::set<std::uint64_t> missing;
  for (const auto& m : d.missing) missing.insert(m.message.send);
  // The server's third +OK (baseline event 13) and the client's BYE (baseline event 15).
  EXPECT_EQ(missing, (std::set<std::uint64_t>{base_sends[5], base_sends[6]}));
  ASSERT_EQ(d.missing.size(), 2u);
  EXPECT_EQ(base.t.events[d.missing[0].message.send].point.k, 3u);
  EXPECT_EQ(d.missing[0].message.receives, std::vector<std::uint64_t>{base_sends[5] + 1});
  // The third +OK goes after the run's last event before it, the server's third log write
  // (run event 12); its receive, the client's third read, is in the run (the failed read).
  ASSERT_TRUE(d.missing[0].send_after);
  EXPECT_EQ(*d.missing[0].send_after, 12u);
  ASSERT_TRUE(d.missing[0].receive_after);
  EXPECT_EQ(*d.missing[0].receive_after, failed_read);
  EXPECT_TRUE(d.added.empty());
  // The run's events that the baseline has too are matched with their baseline events.
  ASSERT_EQ(d.baseline_of.size(), run.t.events.size());
  EXPECT_EQ(d.baseline_of[0], 0u);
  EXPECT_EQ(d.baseline_of[12], 12u);
  EXPECT_EQ(d.baseline_of[failed_read], 14u) << "the client's third read, failed in the run";
}

TEST(TraceDiff, ADroppedSendIsMissingAndARetryIsAdded) {
  Dialog base;
  base.msg(0, "GET");
  base.msg(1, "+OK");
  base.end();
  Dialog run;
  auto dropped = run.ev(0, OpClass::Send, "server", 8, "GET");
  run.t.events[dropped].injected = true;  // a drop fault swallowed it: nobody read it
  auto retry = run.msg(0, "GET");         // the client's second GET, which the baseline lacks
  run.msg(1, "+OK");
  run.end();
  TraceDiff d = diff_traces(base.t, run.t);
  ASSERT_EQ(d.missing.size(), 1u);
  EXPECT_EQ(d.missing[0].message.send, 0u) << "the baseline's only GET";
  EXPECT_EQ(d.added, std::vector<std::uint64_t>{retry});
}

// The client talks to the server over two connections, and the run interleaves them
// otherwise: it sends one request less on the first and two more on the second. Numbered over
// both connections (injection points), the run's sends 1-3 stand for the baseline's 1-3 and
// nothing would be missing; matched per connection, the first one's second request is missing
// and the second one's second and third are added.
TEST(TraceDiff, MessagesAreMatchedPerConnectionInOrder) {
  Dialog base;
  base.conn = 0;
  base.msg(0, "GET a1");
  base.conn = 2;
  base.msg(0, "GET b1");
  base.conn = 0;
  const auto a2 = base.msg(0, "GET a2");
  base.end();

  Dialog run;
  run.conn = 0;
  run.msg(0, "GET a1");
  run.conn = 2;
  run.msg(0, "GET b1");
  const auto b2 = run.msg(0, "GET b2");
  const auto b3 = run.msg(0, "GET b3");
  run.end();

  TraceDiff d = diff_traces(base.t, run.t);
  ASSERT_EQ(d.missing.size(), 1u);
  EXPECT_EQ(d.missing[0].message.send, a2) << "the first connection's second GET";
  EXPECT_EQ(d.added, (std::vector<std::uint64_t>{b2, b3}));
  // Numbered over both connections, a2 is the baseline's 3rd send to the server, and the
  // run's 3rd is b2: that numbering would have called a2 present.
  EXPECT_EQ(base.t.events[a2].point.k, 3u);
  EXPECT_EQ(run.t.events[b2].point.k, 3u);
}

// Each connection is a thread's: the client's first thread (tid 10) on the first, a second
// on the second (tid 77 in the baseline, 78 in the run, as tids change from run to run). The
// run loses the server's answer on the second connection: it would have been sent by the
// server's thread on it and read by the client's second thread, not by the client's first.
TEST(TraceDiff, AMissingMessageNamesTheRunsThreadsThatUsedItsChannel) {
  auto second = [](Dialog& d, std::int32_t tid, bool answered) {
    d.conn = 2;
    const auto get = d.msg(0, "GET b");
    d.t.events[get].tid = tid;
    if (answered) d.t.events[d.msg(1, "+OK b") + 1].tid = tid;
    d.conn = 0;
  };
  Dialog base;
  base.msg(0, "GET a");
  second(base, 77, true);
  base.end();
  Dialog run;
  run.msg(0, "GET a");
  second(run, 78, false);
  run.end();
  TraceDiff d = diff_traces(base.t, run.t);
  ASSERT_EQ(d.missing.size(), 1u);
  EXPECT_EQ(base.t.events[d.missing[0].message.send].head, "+OK b");
  EXPECT_EQ(d.missing[0].send_tid, std::optional<std::int32_t>(11)) << "the server's";
  EXPECT_EQ(d.missing[0].receive_tid, std::optional<std::int32_t>(78))
      << "the client's second thread in the run";

  // A connection the run never used: no thread to name.
  Dialog cut;
  cut.msg(0, "GET a");
  cut.end();
  TraceDiff c = diff_traces(base.t, cut.t);
  ASSERT_EQ(c.missing.size(), 2u);
  for (const auto& m : c.missing) {
    EXPECT_FALSE(m.send_tid);
    EXPECT_FALSE(m.receive_tid);
  }
}

TEST(TraceDiff, MessagesAfterTheWorkloadEndedAreOutsideTheWindow) {
  Dialog base;
  base.msg(0, "GET");
  base.end();
  base.msg(1, "+LATE");  // after the workload's end: teardown talk, not what it was told
  Dialog run;
  run.msg(0, "GET");
  run.end();
  EXPECT_EQ(window_messages(base.t).size(), 1u);
  EXPECT_TRUE(diff_traces(base.t, run.t).missing.empty());
}

TEST(PayloadText, FirstLineOfWhatMovedWithControlBytesShown) {
  Event e;
  e.head = "+OK\r\n";
  e.moved = 5;
  EXPECT_EQ(payload_text(e), "+OK");
  e.head = std::string("*2\r\n$3\r\nGET", 12);
  e.moved = 40;
  EXPECT_EQ(payload_text(e), "*2");
  e.head = std::string(
      "\x01\x02"
      "ab",
      4);
  EXPECT_EQ(payload_text(e), "..ab");
  e.head = "PING-PONG";
  e.moved = 4;  // it moved fewer bytes than it offered
  EXPECT_EQ(payload_text(e), "PING");
  EXPECT_EQ(payload_text(e, 2), "PI");
}

}  // namespace
}  // namespace fissure
