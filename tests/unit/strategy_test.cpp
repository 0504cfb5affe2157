#include "fissure/strategies/strategy.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <set>
#include <sstream>

namespace fissure {
namespace {

const std::vector<std::string> kNodes = {"client", "server", "backup"};

FaultSpace space(std::vector<FaultKind> kinds, std::uint32_t max) {
  FaultSpace s;
  s.kinds = std::move(kinds);
  s.max = max;
  s.nodes = kNodes;
  s.errnos = {ECONNRESET, EPIPE, ETIMEDOUT};
  s.delays = {std::chrono::milliseconds(100), std::chrono::milliseconds(1000)};
  return s;
}

const std::vector<FaultKind> kAll = {FaultKind::Crash,  FaultKind::Error,     FaultKind::Drop,
                                     FaultKind::Delay,  FaultKind::Partition, FaultKind::Disk,
                                     FaultKind::Restart};

std::vector<InjectionPoint> three_points() {
  return {{"client", OpClass::Send, "server", 1},
          {"server", OpClass::Recv, "client", 1},
          {"server", OpClass::Send, "client", 1}};
}

// A run that passed `points`, with no lineage.
Observation ran(VerdictKind verdict, std::vector<InjectionPoint> points, std::string signature,
                FaultPlan plan = {}) {
  Observation o;
  o.plan = std::move(plan);
  o.verdict = verdict;
  o.points = std::move(points);
  o.signature = std::move(signature);
  return o;
}

// Every plan a strategy proposes must pass the same checks as a hand-written one.
void expect_valid(const FaultPlan& p) {
  std::ostringstream os;
  write_plan(p, os);
  std::istringstream is(os.str());
  EXPECT_NO_THROW(read_plan(is, kNodes)) << os.str();
}

TEST(Strategies, FaultUnitsFollowTheSpace) {
  FaultSpace all = space(kAll, 1);
  // crash before/after, each also with a restart; 3 errnos; drop; 2 delays; one partition.
  EXPECT_EQ(fault_units({"client", OpClass::Send, "server", 1}, all, kNodes).size(), 11u);
  // crash x4, 2 delays, disk EIO and ENOSPC: no error, drop or partition on a file.
  EXPECT_EQ(fault_units({"server", OpClass::Fsync, "${RUN_DIR}/aof", 1}, all, kNodes).size(), 8u);
  FaultSpace only_server = all;
  only_server.nodes = {"server"};
  EXPECT_TRUE(fault_units({"client", OpClass::Send, "server", 1}, only_server, kNodes).empty());
  auto crashes =
      fault_units({"client", OpClass::Send, "server", 1}, space({FaultKind::Crash}, 1), kNodes);
  ASSERT_EQ(crashes.size(), 2u);
  EXPECT_FALSE(crashes[0].faults[0].after);
  EXPECT_TRUE(crashes[1].faults[0].after);
  for (const auto& u : fault_units({"client", OpClass::Send, "server", 1}, all, kNodes))
    expect_valid(u);
}

TEST(Strategies, ExhaustiveProposesEveryPlanSmallestFirstThenStops) {
  auto ex = make_exhaustive_strategy(space({FaultKind::Crash}, 2), kNodes);
  EXPECT_EQ(ex->total(), 0u);
  ex->observe(ran(VerdictKind::Good, three_points(), "sig"));
  // 3 points x 2 crash variants: 6 single plans, and 3 pairs of points x 2 x 2 = 12 doubles.
  EXPECT_EQ(ex->total(), 18u);
  std::set<std::string> ids;
  std::size_t last_size = 0;
  while (auto p = ex->propose()) {
    EXPECT_GE(p->faults.size(), last_size) << "smallest first";
    last_size = p->faults.size();
    EXPECT_TRUE(ids.insert(p->id()).second) << "never twice";
    std::set<InjectionPoint> at;
    for (const auto& f : p->faults) EXPECT_TRUE(at.insert(f.at).second) << "one fault per point";
    expect_valid(*p);
  }
  EXPECT_EQ(ids.size(), 18u);
  EXPECT_FALSE(ex->propose().has_value()) << "exhausted stays exhausted";
  ex->observe(ran(VerdictKind::Good, {{"backup", OpClass::Recv, "server", 1}}, "sig2"));
  EXPECT_FALSE(ex->propose().has_value()) << "bounded by the first run's points";
}

TEST(Strategies, RandomIsSeededNewAndWithinBounds) {
  auto run = [](std::uint64_t seed) {
    auto r = make_random_strategy(space(kAll, 3), kNodes, seed);
    r->observe(ran(VerdictKind::Good, three_points(), "sig"));
    std::vector<std::string> ids;
    for (int i = 0; i < 40; ++i) {
      auto p = r->propose();
      if (!p) break;
      EXPECT_GE(p->faults.size(), 1u);
      std::size_t units = 0;
      for (const auto& f : p->faults) units += f.kind != FaultKind::Restart;
      EXPECT_LE(units, 3u);
      expect_valid(*p);
      ids.push_back(p->id());
    }
    return ids;
  };
  auto a = run(7), b = run(7), c = run(8);
  EXPECT_EQ(a, b) << "the same seed gives the same campaign";
  EXPECT_NE(a, c);
  EXPECT_EQ(std::set<std::string>(a.begin(), a.end()).size(), a.size()) << "no plan twice";
  EXPECT_EQ(a.size(), 40u);
}

TEST(Strategies, RandomLearnsPointsFromEveryRun) {
  auto r = make_random_strategy(space({FaultKind::Crash}, 1), kNodes, 1);
  EXPECT_FALSE(r->propose().has_value()) << "no point seen yet";
  r->observe(ran(VerdictKind::Good, {{"client", OpClass::Send, "server", 1}}, "sig"));
  std::set<std::string> ids;
  while (auto p = r->propose()) ids.insert(p->id());
  EXPECT_EQ(ids.size(), 2u) << "before and after the one point";
  r->observe(ran(VerdictKind::Bug, {{"server", OpClass::Send, "client", 1}}, "sig2"));
  auto p = r->propose();
  ASSERT_TRUE(p.has_value()) << "a point seen in a later run is new ground";
  EXPECT_EQ(p->faults[0].at.node, "server");
}

// A resumed campaign replays only the plans proposed: a proposal that found nothing must
// leave no trace in what comes after.
TEST(Strategies, RandomFindingNothingChangesNothing) {
  auto live = make_random_strategy(space({FaultKind::Crash}, 1), kNodes, 9);
  auto rebuilt = make_random_strategy(space({FaultKind::Crash}, 1), kNodes, 9);
  Observation first = ran(VerdictKind::Good, {{"client", OpClass::Send, "server", 1}}, "a");
  Observation later = ran(VerdictKind::Good, three_points(), "b");
  live->observe(first);
  rebuilt->observe(first);
  for (auto* s : {live.get(), rebuilt.get()})
    for (int i = 0; i < 2; ++i) ASSERT_TRUE(s->propose().has_value());
  EXPECT_FALSE(live->propose().has_value()) << "both plans of the one point were proposed";
  live->observe(later);
  rebuilt->observe(later);
  for (int i = 0; i < 4; ++i) {
    auto a = live->propose(), b = rebuilt->propose();
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a->id(), b->id()) << "proposal " << i << " after the space grew";
  }
}

TEST(Strategies, ByName) {
  EXPECT_EQ(make_strategy("random", space(kAll, 1), kNodes, 1)->name(), "random");
  EXPECT_EQ(make_strategy("exhaustive", space(kAll, 1), kNodes, 1)->name(), "exhaustive");
  EXPECT_THROW(make_strategy("clairvoyant", space(kAll, 1), kNodes, 1), std::invalid_argument);
}

}  // namespace
}  // namespace fissure
