// observation.bin: what a coordinator decodes of every run, and a resumed campaign of every
// run kept. Points travel as rows of one table; what comes back must be the same points.
#include "observation_store.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

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

// `back` is sample() decoded, from whichever format.
void expect_sample(const Observation& back) {
  const Observation o = sample();
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
}

TEST(ObservationStore, DecodesThePointsItEncoded) {
  const Observation o = sample();
  const std::string bytes = encode_observation(o);
  const Observation back = decode_observation(o.plan, bytes, "sample");
  expect_sample(back);
  EXPECT_EQ(encode_observation(back), bytes) << "decoding and encoding again changes nothing";
}

TEST(ObservationStore, APointIsOneRowOfTheTableWhateverListsHoldIt) {
  const Observation o = sample();
  const Observation back = decode_observation(o.plan, encode_observation(o), "sample");
  // 7 distinct points in the run, and one more only in a lineage.
  EXPECT_EQ(back.points.table()->rows(), 8u);
  const auto& precise = back.outcomes[0].precise.rows();
  ASSERT_EQ(precise.size(), 3u);
  EXPECT_EQ(precise[0], back.points.rows()[5]) << "b recv<-a #3 is one row";
  EXPECT_EQ(precise[2], back.points.rows()[6]) << "b's write is one row";
  EXPECT_EQ(back.datagram_receives.rows()[0], back.points.rows()[3]) << "b recv<-a #2";
}

// tests/data/observation-format2.bin is sample() as fissure wrote it before format 3
// (d394c86): a campaign begun then resumes with every observation it kept.
TEST(ObservationStore, ReadsAFormat2Observation) {
  const Observation o = sample();
  std::ifstream is(FISSURE_SOURCE_DIR "/tests/data/observation-format2.bin", std::ios::binary);
  ASSERT_TRUE(is);
  const std::string bytes((std::istreambuf_iterator<char>(is)), std::istreambuf_iterator<char>());
  ASSERT_EQ(bytes.substr(4, 4), std::string("\x02\0\0\0", 4)) << "the fixture is format 2";
  const Observation back = decode_observation(o.plan, bytes, "observation-format2.bin");
  expect_sample(back);
  EXPECT_NE(encode_observation(back), bytes) << "written again, it is format 3";
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
