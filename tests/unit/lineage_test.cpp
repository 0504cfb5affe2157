// Lineage on a hand-built trace whose answers are known: a workload's SET, replicated to two
// replicas before the master answers, with a sentinel's heartbeat in between.
#include "fissure/model/lineage.hpp"
#include "fissure/model/outcome_lineage.hpp"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <tuple>

namespace fissure {
namespace {

// Nodes w (the workload), m, r1, r2 and s, and events added one at a time, each with its
// injection point named as the tracer would.
class Built {
 public:
  Trace t;

 protected:
  Built() {
    for (const char* n : {"w", "m", "r1", "r2", "s"})
      t.nodes.push_back({n, std::string(n) == "w", {}, 0, NodeEnd::Exited, 0, 0, 0, 0, 0});
  }
  // An event of `node`'s only thread; `at` is its time (default: its id, in nanoseconds).
  std::uint64_t ev(std::uint32_t node, Sys sys, std::int32_t channel, const std::string& peer,
                   OpClass op, std::optional<std::uint64_t> at = {},
                   EventDir dir = EventDir::None) {
    Event& e = t.events.emplace_back();
    e.id = t.events.size() - 1;
    e.node = node;
    e.pid = e.tid = 100 + static_cast<std::int32_t>(node);
    e.seq = seq_[node]++;
    e.sys = sys;
    e.channel = channel;
    e.dir = dir;
    e.moved = sys == Sys::connect ? 0 : 10;
    e.time_ns = e.end_ns = at.value_or(e.id);
    if (!peer.empty())
      e.point = {t.nodes[node].name, op, peer, ++k_[{node, peer, static_cast<int>(op)}]};
    return e.id;
  }

 private:
  std::map<std::uint32_t, std::uint64_t> seq_;
  std::map<std::tuple<std::uint32_t, std::string, int>, std::uint32_t> k_;
};

class Replication : public Built {
 public:
  // replicas: 1 or 2; heartbeat: a sentinel PING/PONG the master handles in a pass of its own.
  explicit Replication(int replicas) {
    ev(0, Sys::connect, -1, "", OpClass::Connect);   // 0: the workload starts
    ev(4, Sys::write, 3, "m", OpClass::Send);        // 1: PING
    ev(1, Sys::read, 3, "s", OpClass::Recv);         // 2
    ev(1, Sys::write, 3, "s", OpClass::Send);        // 3: PONG
    ev(4, Sys::read, 3, "m", OpClass::Recv);         // 4
    set = ev(0, Sys::write, 0, "m", OpClass::Send);  // SET
    set_read = ev(1, Sys::read, 0, "w", OpClass::Recv);
    auto s1 = ev(1, Sys::write, 1, "r1", OpClass::Send);  // stream to r1
    std::uint64_t s2 = 0;
    if (replicas == 2) s2 = ev(1, Sys::write, 2, "r2", OpClass::Send);
    auto r1_read = ev(2, Sys::read, 1, "m", OpClass::Recv);
    auto r1_ack = ev(2, Sys::write, 1, "m", OpClass::Send);
    std::uint64_t r2_read = 0, r2_ack = 0;
    if (replicas == 2) {
      r2_read = ev(3, Sys::read, 2, "m", OpClass::Recv);
      r2_ack = ev(3, Sys::write, 2, "m", OpClass::Send);
    }
    auto ack1 = ev(1, Sys::read, 1, "r1", OpClass::Recv);
    std::uint64_t ack2 = 0;
    if (replicas == 2) ack2 = ev(1, Sys::read, 2, "r2", OpClass::Recv);
    reply = ev(1, Sys::write, 0, "w", OpClass::Send);
    outcome = ev(0, Sys::read, 0, "m", OpClass::Recv);
    t.edges = {{1, 2, EdgeKind::Message},          {3, 4, EdgeKind::Message},
               {set, set_read, EdgeKind::Message}, {s1, r1_read, EdgeKind::Message},
               {r1_ack, ack1, EdgeKind::Message},  {reply, outcome, EdgeKind::Message}};
    if (replicas == 2) {
      t.edges.push_back({s2, r2_read, EdgeKind::Message});
      t.edges.push_back({r2_ack, ack2, EdgeKind::Message});
    }
  }
  std::uint64_t set = 0, set_read = 0, reply = 0, outcome = 0;
};

std::set<std::string> names(const std::set<InjectionPoint>& points) {
  std::set<std::string> out;
  for (const auto& p : points) out.insert(to_string(p));
  return out;
}

TEST(Lineage, OutcomeIsTheWorkloadsLastReceive) {
  Replication r(2);
  EXPECT_EQ(outcome_events(r.t), std::vector<std::uint64_t>{r.outcome});
}

TEST(Lineage, SupportHasTheReplicationAndNotTheHeartbeat) {
  Replication r(2);
  CommGraph g(r.t);
  Support s = support_of(g, r.outcome);
  EXPECT_EQ(names(s.messages),
            (std::set<std::string>{"w send->m #1", "m send->r1 #1", "m send->r2 #1",
                                   "r1 send->m #1", "r2 send->m #1", "m send->w #1"}));
  EXPECT_EQ(s.nodes, (std::set<std::string>{"w", "m", "r1", "r2"}))
      << "the sentinel's heartbeat led nowhere";
  for (std::uint64_t heartbeat : {1, 2, 3, 4})
    EXPECT_FALSE(std::binary_search(s.events.begin(), s.events.end(), heartbeat));
}

TEST(Lineage, DominatorsAreTheMessagesOnEveryPath) {
  Replication two(2), one(1);
  CommGraph g2(two.t), g1(one.t);
  EXPECT_EQ(dominating_messages(g2, support_of(g2, two.outcome)),
            (std::vector<std::uint64_t>{two.set, two.reply}))
      << "with two replicas, neither replica's messages are on every path";
  auto d1 = dominating_messages(g1, support_of(g1, one.outcome));
  EXPECT_EQ(d1.size(), 4u) << "with one, the stream and its ack are single points of failure";
}

TEST(Lineage, MinCutCountsIndependentRoutes) {
  Replication two(2), one(1);
  CommGraph g2(two.t), g1(one.t);
  EXPECT_EQ(min_message_cut(g2, support_of(g2, two.outcome), two.set_read, two.reply), 2u);
  EXPECT_EQ(min_message_cut(g1, support_of(g1, one.outcome), one.set_read, one.reply), 1u);
  EXPECT_EQ(min_message_cut(g2, support_of(g2, two.outcome), two.set, two.outcome), 1u)
      << "the request and the reply themselves are single messages";
  EXPECT_EQ(min_message_cut(g2, support_of(g2, two.outcome), 1, two.outcome), 0u)
      << "the PING is not in the support";
}

TEST(Lineage, RedundancyJoinsSupportsAcrossRuns) {
  Redundancy red;
  EXPECT_EQ(red.add(Replication(2).t), 1u);
  EXPECT_EQ(red.add(Replication(2).t), 0u) << "the same support again";
  EXPECT_EQ(red.add(Replication(1).t), 1u)
      << "a run that lost the route through r2 and still succeeded";
  ASSERT_EQ(red.supports().size(), 1u);
  EXPECT_EQ(red.supports().begin()->first, "w answer #1");
  EXPECT_EQ(red.supports().begin()->second.size(), 2u);
}

// A WAIT, as Redis serves it, with the passes of each node's loop apart in time: the master
// reads WAIT and asks both replicas for an ACK, answers a sentinel's PING in a pass of its
// own, hears r1's ACK, and only answers WAIT when r2's ACK arrives. Later, r1 answers a PING,
// and 50 ms after, its timer sends a periodic ACK.
class Wait : public Built {
 public:
  Wait() {
    // Channels 0: w-m, 1: r1-m, 2: r2-m, 3: s-m, 4: s-r1; the first named side connects.
    for (auto [a, b] : {std::pair{0, 1}, {2, 1}, {3, 1}, {4, 1}, {4, 2}}) {
      Channel& c = t.channels.emplace_back();
      c.id = static_cast<std::uint32_t>(t.channels.size() - 1);
      c.kind = ChannelKind::Tcp;
      c.node_a = a;
      c.node_b = b;
    }
    // Times in microseconds; a message is read 100 us after it is sent unless told.
    wait = msg(0, 0, "m", 1, 0);
    getack1 = msg(1, 1, "r1", 2, 200);
    getack2 = msg(1, 2, "r2", 3, 250, 59'900);  // r2 was busy and reads it late
    ack1 = msg(2, 1, "m", 1, 400);              // r1 answers GETACK in the pass that read it
    ping_m = msg(4, 3, "m", 1, 20'000);
    pong_m = msg(1, 3, "s", 4, 20'200);  // the master answers the sentinel at once
    ack2 = msg(3, 2, "m", 1, 60'000);
    reply = msg(1, 0, "w", 0, 60'200);
    ping_r1 = msg(4, 4, "r1", 2, 80'000);
    pong_r1 = msg(2, 4, "s", 4, 80'200);
    timer_ack = msg(2, 1, "m", 1, 130'000);
  }
  struct Message {
    std::uint64_t send, receive;
  };
  Message wait, getack1, getack2, ack1, ping_m, pong_m, ack2, reply, ping_r1, pong_r1, timer_ack;

 private:
  Message msg(std::uint32_t from, std::int32_t channel, const std::string& peer, std::uint32_t to,
              std::uint64_t us, std::uint64_t read_us = 0) {
    std::uint64_t at = us * 1000, read_at = read_us ? read_us * 1000 : at + 100'000;
    const Channel& c = t.channels[static_cast<std::size_t>(channel)];
    EventDir dir = static_cast<std::int32_t>(from) == c.node_a ? EventDir::AtoB : EventDir::BtoA;
    Message m;
    m.send = ev(from, Sys::write, channel, peer, OpClass::Send, at, dir);
    m.receive = ev(to, Sys::read, channel, t.nodes[from].name, OpClass::Recv, read_at, dir);
    t.edges.push_back({m.send, m.receive, EdgeKind::Message});
    return m;
  }
};

bool has(const Support& s, std::uint64_t e) {
  return std::binary_search(s.events.begin(), s.events.end(), e);
}

TEST(Lineage, AReplyDependsOnWhatItsRequestWaitedFor) {
  Wait w;
  CommGraph g(w.t);
  Support s = support_of(g, w.reply.receive);
  EXPECT_TRUE(has(s, w.wait.receive)) << "the request, read passes before the reply";
  EXPECT_TRUE(has(s, w.ack1.receive)) << "the first ACK, heard in a pass of its own";
  EXPECT_TRUE(has(s, w.ack2.receive));
  EXPECT_TRUE(has(s, w.getack1.send) && has(s, w.getack2.send)) << "what the ACKs answered";
  EXPECT_FALSE(has(s, w.ping_m.receive)) << "a PING the master answered at once";
  EXPECT_EQ(s.nodes, (std::set<std::string>{"w", "m", "r1", "r2"}));
}

TEST(Lineage, ATimerSendInAPassOfItsOwnDependsOnNothingBefore) {
  Wait w;
  CommGraph g(w.t);
  Support s = support_of(g, w.timer_ack.receive);
  EXPECT_EQ(s.events, (std::vector<std::uint64_t>{w.timer_ack.send, w.timer_ack.receive}))
      << "not on the PING r1 answered 50 ms earlier, nor on the GETACK it answered before";
}

// A delay fault holds a call back: the tracer records it as starting when the delay is over.
// That silence is the fault's, not a wait of the node's, so the call stays in its pass.
TEST(Lineage, ADelayedCallStaysInItsPass) {
  Wait w;
  Event& ack = w.t.events[w.ack1.send];
  ack.time_ns += 20'000'000;
  w.t.events[w.ack1.receive].time_ns += 20'000'000;
  auto acked_what = [&](const Trace& t) {
    return has(support_of(CommGraph(t), w.ack1.receive), w.getack1.receive);
  };
  EXPECT_FALSE(acked_what(w.t)) << "20 ms of silence, with no fault to explain it: a new pass";
  Fault delay;
  delay.kind = FaultKind::Delay;
  delay.at = ack.point;
  delay.delay_ms = 20;
  w.t.plan.faults.push_back(delay);
  w.t.fired.push_back({0, w.ack1.send, ack.time_ns, ""});
  EXPECT_TRUE(acked_what(w.t)) << "the delay fault held r1's ACK back";
}

// A forking server: m reads w's request, forks a child that answers, then reads r1. The
// child's answer depends on what m had read before the fork, not after.
class Fork : public Built {
 public:
  Fork() {
    ev(0, Sys::connect, -1, "", OpClass::Connect);
    auto request = ev(0, Sys::write, 0, "m", OpClass::Send);
    auto read = ev(1, Sys::read, 0, "w", OpClass::Recv);
    fork = ev(1, Sys::clone, -1, "", OpClass::Connect);
    late = ev(2, Sys::write, 1, "m", OpClass::Send);
    auto late_read = ev(1, Sys::read, 1, "r1", OpClass::Recv);
    auto answer = ev(1, Sys::write, 0, "w", OpClass::Send);
    t.events[answer].tid = 999;  // the child, a thread of m's of its own
    t.events[answer].seq = 0;
    outcome = ev(0, Sys::read, 0, "m", OpClass::Recv);
    t.events[fork].point = {};
    t.edges = {{request, read, EdgeKind::Message},
               {fork, answer, EdgeKind::Fork},
               {late, late_read, EdgeKind::Message},
               {answer, outcome, EdgeKind::Message}};
  }
  std::uint64_t fork = 0, late = 0, outcome = 0;
};

TEST(Lineage, AForkDependsOnWhatWasReadBeforeIt) {
  Fork f;
  Support s = support_of(CommGraph(f.t), f.outcome);
  EXPECT_TRUE(has(s, f.fork));
  EXPECT_FALSE(has(s, f.late)) << "r1's message came after the fork";
  EXPECT_EQ(names(s.messages), (std::set<std::string>{"w send->m #1", "m send->w #1"}));
}

TEST(Lineage, ARememberedRequestIsNoRouteAroundTheReplicas) {
  Wait w;
  CommGraph g(w.t);
  Support s = support_of(g, w.reply.receive);
  EXPECT_EQ(min_message_cut(g, s, w.wait.receive, w.reply.send), 2u)
      << "one route through each replica; the master's memory of WAIT is not a third";
  EXPECT_EQ(dominating_messages(g, s), (std::vector<std::uint64_t>{w.wait.send, w.reply.send}));
}

// A file the spec names: the last write to it is an outcome of its own, whichever node made
// it, and its support is what that node had just read: here, after its reply to the workload.
TEST(Lineage, ANamedFilesLastWriteIsAnOutcome) {
  Replication r(1);
  Trace& t = r.t;
  auto write_log = [&](std::uint64_t after_read) {
    Event e = t.events[after_read];
    e.id = t.events.size();
    e.sys = Sys::write;
    e.seq = 1000 + e.id;
    e.channel = 9;
    e.time_ns = e.end_ns = t.events.back().time_ns + 1;
    e.point = {"m", OpClass::FileWrite, "${RUN_DIR}/m.log", static_cast<std::uint32_t>(e.id)};
    t.events.push_back(e);
    return e.id;
  };
  write_log(r.set_read);
  std::uint64_t last = write_log(r.set_read);
  EXPECT_EQ(outcome_events(t), std::vector<std::uint64_t>{r.outcome}) << "not named yet";
  t.outcome_files = {"${RUN_DIR}/m.log"};
  EXPECT_EQ(outcome_events(t), (std::vector<std::uint64_t>{r.outcome, last}));
  EXPECT_EQ(outcome_key(t, last), "last write to ${RUN_DIR}/m.log");
  t.nodes[0].end_ns = t.events[last].time_ns - 1;
  EXPECT_EQ(outcome_events(t), (std::vector<std::uint64_t>{r.outcome, last - 1}))
      << "a write after the workload ended does not count";
  t.nodes[0].end_ns = 0;
  Support s = support_of(CommGraph(t), last);
  EXPECT_EQ(names(s.messages),
            (std::set<std::string>{"w send->m #1", "m send->r1 #1", "r1 send->m #1"}))
      << "the master wrote its log after it heard r1's ACK of the SET";
}

// Replica files: each replica's copy of the write is a support of one outcome, and a copy is
// gone with its replica (Molly's persistence): a copy whose writer the run crashed after the
// write is no outcome at all.
TEST(Lineage, ReplicaCopiesAreOneOutcomeThatNeedsTheirReplicaUp) {
  Replication r(1);
  Trace& t = r.t;
  auto write_log = [&](std::uint32_t node, const std::string& file) {
    Event& e = t.events.emplace_back();
    e.id = t.events.size() - 1;
    e.node = node;
    e.pid = e.tid = 100 + static_cast<std::int32_t>(node);
    e.seq = 1000 + e.id;
    e.sys = Sys::write;
    e.channel = 8 + static_cast<std::int32_t>(node);
    e.moved = 2;
    e.time_ns = e.end_ns = e.id;
    e.point = {t.nodes[node].name, OpClass::FileWrite, file, 1};
    return e.id;
  };
  const std::uint64_t on_m = write_log(1, "${RUN_DIR}/log-m.log");
  const std::uint64_t on_r1 = write_log(2, "${RUN_DIR}/log-r1.log");
  // m goes on answering the sentinel after its write: its last call.
  Event pong = t.events[3];
  Event& later = t.events.emplace_back(pong);
  later.id = t.events.size() - 1;
  later.seq = 2000;
  later.time_ns = later.end_ns = later.id;
  later.point.k = 2;
  t.replica_files = {"${RUN_DIR}/log-m.log", "${RUN_DIR}/log-r1.log"};

  EXPECT_EQ(outcome_events(t), (std::vector<std::uint64_t>{r.outcome, on_m, on_r1}));
  const std::string key = "a copy in one of ${RUN_DIR}/log-m.log, ${RUN_DIR}/log-r1.log";
  EXPECT_EQ(outcome_keys(t, {on_m, on_r1}), (std::vector<std::string>{key, key}));
  std::vector<OutcomeLineage> ls = outcome_lineages(t);
  ASSERT_EQ(ls.size(), 3u);
  EXPECT_EQ(ls[1].key, key);
  EXPECT_EQ(ls[1].node, "m");
  EXPECT_EQ(ls[2].node, "r1");
  EXPECT_TRUE(is_replica_outcome(ls[1].key));
  EXPECT_FALSE(is_replica_outcome(ls[0].key)) << ls[0].key;

  // A crash of m after its write (here at its last call) takes m's copy; r1's stays.
  t.plan.faults.push_back({});
  t.plan.faults.back().kind = FaultKind::Crash;
  t.fired.push_back({0, later.id, later.time_ns, "killed m"});
  EXPECT_EQ(outcome_events(t), (std::vector<std::uint64_t>{r.outcome, on_r1}));
  // One before the write leaves the write (had the run made it) standing.
  t.fired.back().event = r.set_read;
  EXPECT_EQ(outcome_events(t), (std::vector<std::uint64_t>{r.outcome, on_m, on_r1}));
}

}  // namespace
}  // namespace fissure
