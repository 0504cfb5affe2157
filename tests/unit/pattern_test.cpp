#include "fissure/model/pattern.hpp"

#include <gtest/gtest.h>

namespace fissure {
namespace {

// A client talking to a server; `pings` heartbeats before the request; pids and ports vary.
Trace run(int pings, std::int32_t pid_base) {
  Trace t;
  t.nodes = {{"client", true, {}, pid_base, NodeEnd::Exited, 0, 0, 0, 0, 0},
             {"server", false, {}, pid_base + 1, NodeEnd::Killed, 0, 9, 0, 0, 0}};
  std::uint32_t k_send = 0, k_recv = 0;
  auto ev = [&](std::uint32_t node, OpClass op, const std::string& peer, std::uint32_t k) {
    Event& e = t.events.emplace_back();
    e.id = t.events.size() - 1;
    e.node = node;
    e.pid = e.tid = pid_base + static_cast<std::int32_t>(node);
    e.point = {t.nodes[node].name, op, peer, k};
  };
  for (int i = 0; i < pings; ++i) {
    ev(0, OpClass::Send, "server", ++k_send);
    ev(1, OpClass::Recv, "client", ++k_recv);
  }
  ev(0, OpClass::Send, "server", ++k_send);
  ev(1, OpClass::Recv, "client", ++k_recv);
  ev(1, OpClass::Send, "client", 1);
  ev(0, OpClass::Recv, "server", 1);
  return t;
}

TEST(Coverage, PairsIgnoreRepetitionCountsSequencesDoNot) {
  Trace a = run(2, 100), b = run(5, 9000);
  EXPECT_EQ(coverage_signature(a, "good"), coverage_signature(b, "good"))
      << "pids and heartbeat counts differ";
  EXPECT_NE(coverage_signature(a, "good", CoverageLevel::Sequence),
            coverage_signature(b, "good", CoverageLevel::Sequence));
  EXPECT_EQ(coverage_signature(run(2, 1), "good", CoverageLevel::Sequence),
            coverage_signature(a, "good", CoverageLevel::Sequence));
}

TEST(Coverage, VerdictAndFaultsChangeTheSignature) {
  Trace a = run(0, 100);
  EXPECT_NE(coverage_signature(a, "good"), coverage_signature(a, "bug"));
  Trace faulted = a;
  faulted.events[2].injected = true;
  EXPECT_NE(coverage_signature(a, "good"), coverage_signature(faulted, "good"));
  Trace other = a;
  other.events[3].point.peer = "replica";
  EXPECT_NE(coverage_signature(a, "good"), coverage_signature(other, "good"));
  EXPECT_EQ(coverage_signature(a, "good").size(), 16u);
}

}  // namespace
}  // namespace fissure
