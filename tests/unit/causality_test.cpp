// derive_causality on hand-built traces: no kernel needed, every edge known in advance.
#include <gtest/gtest.h>

#include "fissure/tracer/trace.hpp"

namespace fissure {
namespace {

class TraceBuilder {
 public:
  TraceBuilder() {
    t.nodes.resize(2);
    t.nodes[0].name = "a";
    t.nodes[1].name = "b";
  }
  std::int32_t channel(ChannelKind kind) {
    Channel& c = t.channels.emplace_back();
    c.id = static_cast<std::uint32_t>(t.channels.size() - 1);
    c.kind = kind;
    return static_cast<std::int32_t>(c.id);
  }
  std::uint64_t ev(std::uint32_t node, Sys sys, std::int32_t ch, EventDir dir, std::int64_t moved,
                   std::uint64_t offset) {
    Event& e = t.events.emplace_back();
    e.id = t.events.size() - 1;
    e.node = node;
    e.pid = e.tid = 100 + static_cast<std::int32_t>(node);
    e.sys = sys;
    e.channel = ch;
    e.dir = dir;
    e.moved = moved;
    e.result = moved;
    e.offset = offset;
    e.time_ns = e.end_ns = e.id;
    return e.id;
  }
  std::vector<Edge> into(std::uint64_t id) { return t.edges_into(id); }
  Trace t;
};

TEST(Causality, StreamReceivesDependOnExactlyTheSendsTheyCover) {
  TraceBuilder b;
  auto ch = b.channel(ChannelKind::Tcp);
  auto s1 = b.ev(0, Sys::write, ch, EventDir::AtoB, 100, 0);
  auto s2 = b.ev(0, Sys::write, ch, EventDir::AtoB, 50, 100);
  auto s3 = b.ev(0, Sys::write, ch, EventDir::AtoB, 10, 150);
  auto r1 = b.ev(1, Sys::read, ch, EventDir::AtoB, 99, 0);    // inside s1
  auto r2 = b.ev(1, Sys::read, ch, EventDir::AtoB, 2, 99);    // last byte of s1, first of s2
  auto r3 = b.ev(1, Sys::read, ch, EventDir::AtoB, 59, 101);  // rest of s2 and all of s3
  auto reply = b.ev(1, Sys::write, ch, EventDir::BtoA, 5, 0);
  auto got = b.ev(0, Sys::read, ch, EventDir::BtoA, 5, 0);
  derive_causality(b.t);
  EXPECT_EQ(b.into(r1), (std::vector<Edge>{{s1, r1, EdgeKind::Message}}));
  EXPECT_EQ(b.into(r2),
            (std::vector<Edge>{{s1, r2, EdgeKind::Message}, {s2, r2, EdgeKind::Message}}));
  EXPECT_EQ(b.into(r3),
            (std::vector<Edge>{{s2, r3, EdgeKind::Message}, {s3, r3, EdgeKind::Message}}));
  EXPECT_EQ(b.into(got), (std::vector<Edge>{{reply, got, EdgeKind::Message}}));
  EXPECT_EQ(b.t.edges.size(), 6u);
  EXPECT_EQ(b.t.channels[ch].node_a, 0);
  EXPECT_EQ(b.t.channels[ch].node_b, 1);
}

TEST(Causality, PipesGetPipeEdgesAndEofFollowsClose) {
  TraceBuilder b;
  auto ch = b.channel(ChannelKind::Pipe);
  auto w = b.ev(0, Sys::write, ch, EventDir::AtoB, 10, 0);
  auto close = b.ev(0, Sys::close, ch, EventDir::AtoB, 0, 0);
  auto r = b.ev(1, Sys::read, ch, EventDir::AtoB, 10, 0);
  auto eof = b.ev(1, Sys::read, ch, EventDir::AtoB, 0, 10);
  derive_causality(b.t);
  EXPECT_EQ(b.into(r), (std::vector<Edge>{{w, r, EdgeKind::Pipe}}));
  EXPECT_EQ(b.into(eof), (std::vector<Edge>{{close, eof, EdgeKind::Eof}}));
}

TEST(Causality, DatagramsMatchInOrderBySizeSkippingLostOnes) {
  TraceBuilder b;
  auto ch = b.channel(ChannelKind::Udp);
  auto d1 = b.ev(0, Sys::sendto, ch, EventDir::AtoB, 10, 0);
  b.ev(0, Sys::sendto, ch, EventDir::AtoB, 20, 0);  // lost
  auto d3 = b.ev(0, Sys::sendto, ch, EventDir::AtoB, 30, 0);
  auto r1 = b.ev(1, Sys::recvfrom, ch, EventDir::AtoB, 10, 0);
  auto r3 = b.ev(1, Sys::recvfrom, ch, EventDir::AtoB, 30, 0);
  derive_causality(b.t);
  EXPECT_EQ(b.into(r1), (std::vector<Edge>{{d1, r1, EdgeKind::Datagram}}));
  EXPECT_EQ(b.into(r3), (std::vector<Edge>{{d3, r3, EdgeKind::Datagram}}));
  EXPECT_EQ(b.t.edges.size(), 2u);
}

// A retransmission of the same size as the datagram a drop fault swallowed: the receive got
// the retransmission.
TEST(Causality, ADroppedDatagramIsNotWhatTheNextReceiveGot) {
  TraceBuilder b;
  auto ch = b.channel(ChannelKind::Udp);
  auto d1 = b.ev(0, Sys::sendto, ch, EventDir::AtoB, 10, 0);
  auto d2 = b.ev(0, Sys::sendto, ch, EventDir::AtoB, 10, 0);
  auto r = b.ev(1, Sys::recvfrom, ch, EventDir::AtoB, 10, 0);
  Fault drop;
  drop.kind = FaultKind::Drop;
  b.t.plan.faults.push_back(drop);
  b.t.fired.push_back({0, d1, 0, "dropped"});
  derive_causality(b.t);
  EXPECT_EQ(b.into(r), (std::vector<Edge>{{d2, r, EdgeKind::Datagram}}));
}

TEST(Causality, ConnectPrecedesAcceptAndForkPrecedesChild) {
  TraceBuilder b;
  auto ch = b.channel(ChannelKind::Tcp);
  auto c = b.ev(0, Sys::connect, ch, EventDir::AtoB, 0, 0);
  b.t.events[c].result = -115;  // EINPROGRESS still starts the handshake
  auto a = b.ev(1, Sys::accept4, ch, EventDir::None, 0, 0);
  b.t.events[a].result = 5;
  auto f = b.ev(1, Sys::clone, -1, EventDir::None, 0, 0);
  b.t.events[f].child = 555;
  auto first = b.ev(1, Sys::write, -1, EventDir::None, 1, 0);
  b.t.events[first].tid = 555;
  derive_causality(b.t);
  EXPECT_EQ(b.into(a), (std::vector<Edge>{{c, a, EdgeKind::Connect}}));
  EXPECT_EQ(b.into(first), (std::vector<Edge>{{f, first, EdgeKind::Fork}}));
}

TEST(Causality, FailedConnectLinksNothing) {
  TraceBuilder b;
  auto ch = b.channel(ChannelKind::Tcp);
  auto c = b.ev(0, Sys::connect, ch, EventDir::AtoB, 0, 0);
  b.t.events[c].result = -111;  // ECONNREFUSED
  auto a = b.ev(1, Sys::accept4, ch, EventDir::None, 0, 0);
  b.t.events[a].result = 5;
  derive_causality(b.t);
  EXPECT_TRUE(b.into(a).empty());
}

}  // namespace
}  // namespace fissure
