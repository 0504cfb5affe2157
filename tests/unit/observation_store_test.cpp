// observation.bin: what a coordinator decodes of every run, and a resumed campaign of every
// run kept. Points travel as rows of one table; what comes back must be the same points.
#include <gtest/gtest.h>

#include "observation_store.hpp"

namespace fissure {
namespace {

InjectionPoint pt(const std::string& node, OpClass op, const std::string& peer, std::uint32_t k) {
  return {node, op, peer, k};
}

// Lists on two tables (as a test or an older caller builds them), with points in common and
// one lineage point the run's list does not hold.
Observation sample() {
  Observation o;
  Fault drop;
  drop.kind = FaultKind::Drop;
  drop.at = pt("a", OpClass::Send, "b", 2);
  o.plan = FaultPlan{{drop}};
  o.verdict = VerdictKind::Good;
  o.signature = "sig";
  for (std::uint32_t k = 1; k <= 3; ++k) {
    o.points.push_back(pt("a", OpClass::Send, "b", k));
    o.points.push_back(pt("b", OpClass::Recv, "a", k));
  }
  o.points.push_back(pt("b", OpClass::FileWrite, "${RUN_DIR}/x.log", 1));
  const PointList precise{pt("b", OpClass::Recv, "a", 3), pt("a", OpClass::Send, "b", 3),
                          pt("b", OpClass::FileWrite, "${RUN_DIR}/x.log", 1)};
  PointList sound = precise;
  sound.push_back(pt("c", OpClass::Connect, "a", 1));
  o.outcomes.push_back({"last write to ${RUN_DIR}/x.log", "b", true, precise, sound});
  o.outcomes.push_back({"client answer #2", "", false, {}, {}});
  o.unreached = {0};
  o.datagram_receives = PointList{pt("b", OpClass::Recv, "a", 2)};
  return o;
}

TEST(ObservationStore, DecodesThePointsItEncoded) {
  const Observation o = sample();
  const std::string bytes = encode_observation(o);
  const Observation back = decode_observation(o.plan, bytes, "sample");
  EXPECT_EQ(back.verdict, o.verdict);
  EXPECT_EQ(back.signature, "sig");
  EXPECT_EQ(back.points.to_vector(), o.points.to_vector());
  ASSERT_EQ(back.outcomes.size(), 2u);
  EXPECT_EQ(back.outcomes[0], o.outcomes[0]);
  EXPECT_EQ(back.outcomes[0].sound.to_vector().back(), pt("c", OpClass::Connect, "a", 1));
  EXPECT_FALSE(back.outcomes[1].reached);
  EXPECT_TRUE(back.outcomes[1].precise.empty());
  EXPECT_EQ(back.unreached, std::vector<std::size_t>{0});
  EXPECT_EQ(back.datagram_receives.to_vector(), o.datagram_receives.to_vector());
  // The decoded lists share one table, so a strategy maps it once.
  EXPECT_EQ(back.outcomes[0].precise.table(), back.points.table());
  EXPECT_EQ(back.outcomes[0].sound.table(), back.points.table());
  EXPECT_EQ(encode_observation(back), bytes) << "decoding and encoding again changes nothing";
}

TEST(ObservationStore, ATruncatedObservationIsAnErrorNamingItsOrigin) {
  const Observation o = sample();
  std::string bytes = encode_observation(o);
  bytes.resize(bytes.size() / 2);
  try {
    decode_observation(o.plan, bytes, "runs/00007/observation.bin");
    FAIL() << "decoded half an observation";
  } catch (const RunError& e) {
    EXPECT_NE(std::string(e.what()).find("runs/00007/observation.bin"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace fissure
