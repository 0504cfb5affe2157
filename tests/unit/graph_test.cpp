// The communication graph and its views on hand-built traces: every answer known in advance.
#include "fissure/model/graph.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <sstream>

#include "fissure/model/views.hpp"

namespace fissure {
namespace {

// Two nodes: a (one thread, tid 10) sends twice to b (two threads, tids 20 and 21); b's
// second thread reads the second message. Events:
//   0 a write#1  1 a write#2  2 b.20 read  3 b.21 read  4 b.20 write (reply)  5 a read
Trace two_nodes() {
  Trace t;
  t.target = "hand";
  t.nodes = {{"a", true, {}, 10, NodeEnd::Exited, 0, 0, 0, 0, 0},
             {"b", false, {}, 20, NodeEnd::Killed, 0, 9, 0, 0, 0}};
  auto ev = [&](std::uint32_t node, std::int32_t tid, std::uint64_t seq, Sys sys) {
    Event& e = t.events.emplace_back();
    e.id = t.events.size() - 1;
    e.node = node;
    e.pid = node == 0 ? 10 : 20;
    e.tid = tid;
    e.seq = seq;
    e.sys = sys;
    e.moved = 10;
  };
  ev(0, 10, 0, Sys::write);
  ev(0, 10, 1, Sys::write);
  ev(1, 20, 0, Sys::read);
  ev(1, 21, 0, Sys::read);
  ev(1, 20, 1, Sys::write);
  ev(0, 10, 2, Sys::read);
  t.events[1].injected = true;
  t.events[0].point = {"a", OpClass::Send, "b", 1};
  t.edges = {{0, 2, EdgeKind::Message}, {1, 3, EdgeKind::Message}, {4, 5, EdgeKind::Message}};
  return t;
}

TEST(Graph, HappensBeforeIsReachability) {
  Trace t = two_nodes();
  CommGraph g(t);
  EXPECT_EQ(g.size(), 6u);
  EXPECT_TRUE(g.happens_before(0, 1)) << "program order";
  EXPECT_TRUE(g.happens_before(0, 2)) << "message";
  EXPECT_TRUE(g.happens_before(0, 5)) << "transitive: send, read, reply, read";
  EXPECT_TRUE(g.happens_before(1, 3));
  EXPECT_TRUE(g.happens_before(1, 5)) << "program order in a's one thread";
  EXPECT_FALSE(g.happens_before(3, 5))
      << "the second message went to b's other thread, which never answered";
  EXPECT_TRUE(g.concurrent(3, 4));
  EXPECT_TRUE(g.concurrent(1, 2));
  EXPECT_FALSE(g.happens_before(2, 2));
  EXPECT_FALSE(g.happens_before(5, 0));
  EXPECT_EQ(g.causal_past(5), (std::vector<std::uint64_t>{0, 1, 2, 4}));
  EXPECT_EQ(g.causal_past(3), (std::vector<std::uint64_t>{0, 1}));
  EXPECT_EQ(g.program_predecessor(4), 2u);
  EXPECT_FALSE(g.program_predecessor(3).has_value());
  auto order = g.topological_order();
  std::vector<std::size_t> pos(order.size());
  for (std::size_t i = 0; i < order.size(); ++i) pos[order[i]] = i;
  for (const Edge& e : t.edges) EXPECT_LT(pos[e.from], pos[e.to]);
}

TEST(Graph, RefusesEdgesToMissingEventsAndCycles) {
  Trace t = two_nodes();
  t.edges.push_back({0, 99, EdgeKind::Message});
  EXPECT_THROW(CommGraph{t}, std::invalid_argument);
  Trace c = two_nodes();
  c.edges.push_back({5, 0, EdgeKind::Message});  // a read that caused the first send
  CommGraph g(c);
  EXPECT_THROW(g.topological_order(), std::runtime_error);
}

TEST(Graph, LaneClocks) {
  Trace t = two_nodes();
  CommGraph g(t);
  LaneClocks c = lane_clocks(g);
  EXPECT_EQ(c.lanes, (std::vector<std::string>{"a", "b.1", "b.2"}));
  using Clock = std::vector<std::pair<std::uint32_t, std::uint32_t>>;
  EXPECT_EQ(c.clocks[0], (Clock{{0, 1}}));
  EXPECT_EQ(c.clocks[2], (Clock{{0, 1}, {1, 1}}));
  EXPECT_EQ(c.clocks[3], (Clock{{0, 2}, {2, 1}}));
  EXPECT_EQ(c.clocks[5], (Clock{{0, 3}, {1, 2}})) << "a's read knows b.1's reply, not b.2";
}

TEST(Views, ShivizLogMatchesTheDefaultParser) {
  Trace t = two_nodes();
  CommGraph g(t);
  std::ostringstream os;
  write_shiviz(g, os);
  std::string log = os.str();
  // ShiViz's default regex, applied line pair by line pair.
  std::regex pair(R"((.*)\n(\S*) (\{.*\})\n)");
  std::size_t events = 0;
  for (auto it = std::sregex_iterator(log.begin(), log.end(), pair); it != std::sregex_iterator();
       ++it) {
    ++events;
    EXPECT_FALSE((*it)[1].str().empty());
    EXPECT_NE((*it)[3].str().find("\"" + (*it)[2].str() + "\":"), std::string::npos)
        << "a host's own clock entry";
  }
  EXPECT_EQ(events, 6u);
  EXPECT_NE(log.find("write 10 bytes [FAULT]\na {\"a\":2}\n"), std::string::npos) << log;
  EXPECT_NE(log.find("write 10 bytes (a send->b #1)\na {\"a\":1}\n"), std::string::npos) << log;
}

TEST(Views, DotHasLanesMessagesAndFaults) {
  Trace t = two_nodes();
  CommGraph g(t);
  std::ostringstream os;
  write_dot(g, os);
  std::string dot = os.str();
  EXPECT_NE(dot.find("label=\"b.2\""), std::string::npos);
  EXPECT_NE(dot.find("e1 [label=\"write 10 bytes [FAULT]\", color=red"), std::string::npos) << dot;
  EXPECT_NE(dot.find("e0 -> e2 [color=blue];"), std::string::npos) << dot;
  EXPECT_NE(dot.find("e2 -> e4 [color=gray"), std::string::npos) << "program order inside a lane";
}

}  // namespace
}  // namespace fissure
