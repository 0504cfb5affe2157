// The lineage-driven search on hand-built observations: which hypothesis comes first, how a
// refuted one grows into the fallback its run revealed, when the search may certify, and that
// it replays the same after a resume. Expected plans are written out by hand from the cut
// rules in strategies/src/cut_model.hpp, not computed by the code under test.
#include <gtest/gtest.h>

#include <set>

#include "fissure/strategies/strategy.hpp"

namespace fissure {
namespace {

const std::vector<std::string> kNodes = {"a", "b", "client"};
const std::vector<std::string> kWorkload = {"client"};

FaultSpace space(std::vector<FaultKind> kinds, std::uint32_t max) {
  FaultSpace s;
  s.kinds = std::move(kinds);
  s.max = max;
  s.nodes = {"a", "b"};
  s.errnos = {ECONNRESET};
  return s;
}

InjectionPoint send(const std::string& from, const std::string& to, std::uint32_t k) {
  return {from, OpClass::Send, to, k};
}
InjectionPoint recv(const std::string& at, const std::string& from, std::uint32_t k) {
  return {at, OpClass::Recv, from, k};
}
const InjectionPoint kDeliver{"b", OpClass::FileWrite, "${RUN_DIR}/deliver-b.log", 1};

// A good run in which b delivered what a sent it as message #k.
Observation delivered(std::uint32_t k, FaultPlan plan = {}) {
  Observation o;
  o.plan = std::move(plan);
  o.verdict = VerdictKind::Good;
  for (std::uint32_t i = 1; i <= k; ++i) o.points.push_back(send("a", "b", i));
  o.points.push_back(recv("b", "a", k));
  o.points.push_back(kDeliver);
  o.signature = "delivered";
  std::vector<InjectionPoint> support{send("a", "b", k), recv("b", "a", k), kDeliver};
  o.outcomes.push_back({"last write to ${RUN_DIR}/deliver-b.log", "b", true, support, support});
  return o;
}

Fault drop(const InjectionPoint& at) {
  Fault f;
  f.kind = FaultKind::Drop;
  f.at = at;
  return f;
}

TEST(Ldfi, FirstHypothesisIsAnOmissionOfTheOnlyMessage) {
  auto s = make_ldfi_strategy(space({FaultKind::Crash, FaultKind::Drop}, 1), kNodes, 1, kWorkload);
  EXPECT_FALSE(s->propose()) << "nothing to cut before a good run";
  s->observe(delivered(1));
  auto p = s->propose();
  ASSERT_TRUE(p);
  // By hand: the message a->b #1 is cut by a drop at a's send or at b's receive; omissions
  // come before crashes.
  const std::set<FaultPlan*> unused;
  std::vector<std::string> expected{FaultPlan{{drop(send("a", "b", 1))}}.id(),
                                    FaultPlan{{drop(recv("b", "a", 1))}}.id()};
  EXPECT_NE(std::find(expected.begin(), expected.end(), p->id()), expected.end())
      << describe(p->faults.front());
  EXPECT_EQ(s->proposer(), "ldfi");
}

Fault crash(const InjectionPoint& at, bool after) {
  Fault f;
  f.kind = FaultKind::Crash;
  f.at = at;
  f.after = after;
  return f;
}

TEST(Ldfi, EveryHypothesisOfTheFirstRoundIsMinimalAndNew) {
  auto s = make_ldfi_strategy(space({FaultKind::Crash, FaultKind::Drop}, 2), kNodes, 1, kWorkload);
  s->observe(delivered(1));
  std::set<std::string> ids;
  std::size_t n = 0;
  while (auto p = s->propose()) {
    ++n;
    ids.insert(p->id());
    EXPECT_EQ(p->faults.size(), 1u) << "one message: every minimal cut is one fault";
  }
  // By hand: drops at the send and the receive (2); crash a before its send, its only point
  // (1); b: a crash anywhere up to its write, its last premise in the one support, cuts that
  // support, so crashing b before its receive, after it, or before the write is one
  // hypothesis (1), run as the latest of them (after the receive, or before the write: the
  // same place); a crash after the write cuts nothing. 4 in all.
  EXPECT_EQ(n, 4u);
  EXPECT_EQ(ids.size(), n);
  const InjectionPoint r = recv("b", "a", 1);
  for (const FaultPlan& expected : {FaultPlan{{drop(send("a", "b", 1))}}, FaultPlan{{drop(r)}},
                                    FaultPlan{{crash(send("a", "b", 1), false)}}})
    EXPECT_TRUE(ids.count(expected.id())) << describe(expected.faults.front());
  EXPECT_FALSE(ids.count(FaultPlan{{crash(r, false)}}.id()))
      << "crashing b before its receive cuts no support the later crash does not";
  EXPECT_NE(ids.count(FaultPlan{{crash(r, true)}}.id()),
            ids.count(FaultPlan{{crash(kDeliver, false)}}.id()))
      << "one of the two crashes between b's receive and its write";
  EXPECT_FALSE(s->certificate()) << "hypotheses are still running";
}

// b delivers once it has all three of a's messages.
Observation delivered_after_three() {
  Observation o;
  o.verdict = VerdictKind::Good;
  o.signature = "delivered";
  std::vector<InjectionPoint> support;
  for (std::uint32_t k = 1; k <= 3; ++k) {
    o.points.push_back(send("a", "b", k));
    o.points.push_back(recv("b", "a", k));
    support.push_back(send("a", "b", k));
    support.push_back(recv("b", "a", k));
  }
  o.points.push_back(kDeliver);
  support.push_back(kDeliver);
  o.outcomes.push_back({"last write to ${RUN_DIR}/deliver-b.log", "b", true, support, support});
  return o;
}

// Of equally small crashes, the latest runs first: by hand, a crash of a (b's own crashes
// come in a later tier) cuts the delivery from any of its three sends on, and the latest is
// between the second and the third (crash after #2 or before #3: one class).
TEST(Ldfi, TheLatestCrashOfOneSizeRunsFirst) {
  auto s = make_ldfi_strategy(space({FaultKind::Crash}, 1), kNodes, 1, kWorkload);
  s->observe(delivered_after_three());
  auto p = s->propose();
  ASSERT_TRUE(p);
  const std::set<std::string> expected{FaultPlan{{crash(send("a", "b", 3), false)}}.id(),
                                       FaultPlan{{crash(send("a", "b", 2), true)}}.id()};
  EXPECT_TRUE(expected.count(p->id())) << describe(p->faults.front());
}

// Omissions alone go the other way: the earliest message's drop, at its send or receive.
TEST(Ldfi, TheEarliestOmissionOfOneSizeRunsFirst) {
  auto s = make_ldfi_strategy(space({FaultKind::Drop}, 1), kNodes, 1, kWorkload);
  s->observe(delivered_after_three());
  auto p = s->propose();
  ASSERT_TRUE(p);
  const std::set<std::string> expected{FaultPlan{{drop(send("a", "b", 1))}}.id(),
                                       FaultPlan{{drop(recv("b", "a", 1))}}.id()};
  EXPECT_TRUE(expected.count(p->id())) << describe(p->faults.front());
}

// A support is kept as what its cut depends on: for a crash of a, a's last premise in it,
// by a's order over all runs, not by the run's own order. Run 1 sends to c, then to b; run 2
// sends to b first, then to c, then to b again, so the order of a's calls is c#1, b#2, b#1
// (b#2 goes just after the call before it in run 2, c#1). Run 2's last premise of a is then
// b#1, and every crash of a up to it cuts both runs: the latest, before b#1 or after b#2 (the
// same place), runs first. Had b#2 (the run's own last) been taken, a crash at or after b#1
// would be thought to leave run 2's way, and the first crash would be before b#2.
TEST(Ldfi, ALastPremiseIsLastInTheNodesOrderNotInItsRun) {
  auto s = make_ldfi_strategy(space({FaultKind::Crash}, 1), kNodes, 1, kWorkload);
  const InjectionPoint to_c = send("a", "c", 1), b1 = send("a", "b", 1), b2 = send("a", "b", 2);
  auto run = [&](std::vector<InjectionPoint> calls) {
    Observation o;
    o.verdict = VerdictKind::Good;
    o.signature = "delivered";
    for (const auto& p : calls) o.points.push_back(p);
    o.points.push_back(kDeliver);
    calls.push_back(kDeliver);
    o.outcomes.push_back({"last write to ${RUN_DIR}/deliver-b.log", "b", true, calls, calls});
    return o;
  };
  s->observe(run({to_c, b1}));
  s->observe(run({b1, to_c, b2}));
  auto p = s->propose();
  ASSERT_TRUE(p);
  const std::set<std::string> expected{FaultPlan{{crash(b1, false)}}.id(),
                                       FaultPlan{{crash(b2, true)}}.id()};
  EXPECT_TRUE(expected.count(p->id())) << describe(p->faults.front());
}

// A history's answers: the client's j-th answer needs a's messages 1..j to b, so cutting an
// earlier answer cuts every later one too. The search keeps only the outcomes no other's cut
// implies; keeping the wrong one (the first answer, whose cut implies the rest) would leave
// out the drops of messages 2 and 3, which break the later answers alone.
TEST(Ldfi, NestedAnswersAreCutAtEveryMessageOfTheLongest) {
  auto s = make_ldfi_strategy(space({FaultKind::Drop}, 1), kNodes, 1, kWorkload);
  Observation o;
  o.verdict = VerdictKind::Good;
  o.signature = "answered";
  std::vector<InjectionPoint> support;
  for (std::uint32_t j = 1; j <= 3; ++j) {
    o.points.push_back(send("a", "b", j));
    o.points.push_back(recv("b", "a", j));
    support.push_back(send("a", "b", j));
    support.push_back(recv("b", "a", j));
    o.outcomes.push_back({"client answer " + std::to_string(j), "client", true, support, support});
  }
  s->observe(o);
  std::set<std::string> ids;
  while (auto p = s->propose()) ids.insert(p->id());
  // By hand: one drop at any of the 6 points cuts the third answer.
  std::set<std::string> expected;
  for (std::uint32_t j = 1; j <= 3; ++j) {
    expected.insert(FaultPlan{{drop(send("a", "b", j))}}.id());
    expected.insert(FaultPlan{{drop(recv("b", "a", j))}}.id());
  }
  EXPECT_EQ(ids, expected);
}

TEST(Ldfi, ARefutedHypothesisGrowsIntoTheFallbackItRevealed) {
  auto s = make_ldfi_strategy(space({FaultKind::Drop}, 2), kNodes, 1, kWorkload);
  s->observe(delivered(1));
  auto first = s->propose();
  ASSERT_TRUE(first);
  // The run with that drop still delivered, through a's retry #2, seen only under the drop.
  s->observe(delivered(2, *first));
  auto next = s->propose();
  ASSERT_TRUE(next);
  ASSERT_EQ(next->faults.size(), 2u) << "the retry exists only with the first drop";
  EXPECT_TRUE(std::find(next->faults.begin(), next->faults.end(), first->faults.front()) !=
              next->faults.end());
  std::set<InjectionPoint> at;
  for (const auto& f : next->faults) at.insert(f.at);
  EXPECT_TRUE(at.count(send("a", "b", 2)) || at.count(recv("b", "a", 2)));
}

// A replica's copy of an outcome (replica_files) lasts while its replica does: a crash of the
// replica anywhere cuts it, even after the replica's last call. Here a acknowledges the write
// and its last call is that acknowledgement, so "crash a just after it" is a hypothesis; as a
// premise of the copy, a's last call alone could not make it one.
TEST(Ldfi, AReplicasCopyIsCutByItsCrashEvenAfterItsLastCall) {
  auto s = make_ldfi_strategy(space({FaultKind::Crash}, 1), kNodes, 1, kWorkload);
  const InjectionPoint wrote{"a", OpClass::FileWrite, "${RUN_DIR}/log-a.log", 1};
  Observation o;
  o.verdict = VerdictKind::Good;
  o.signature = "acked";
  o.points = {send("client", "a", 1), recv("a", "client", 1), wrote, send("a", "client", 1),
              recv("client", "a", 1)};
  std::vector<InjectionPoint> copy{recv("a", "client", 1), wrote, send("a", "client", 1)};
  o.outcomes.push_back({"a copy in one of ${RUN_DIR}/log-a.log", "a", true, copy, copy});
  s->observe(o);
  Fault after;
  after.kind = FaultKind::Crash;
  after.after = true;
  after.at = send("a", "client", 1);
  const std::string wanted = FaultPlan{{after}}.id();
  bool found = false;
  for (int i = 0; i < 20 && !found; ++i) {
    auto p = s->propose();
    if (!p) break;
    found = p->id() == wanted;
  }
  EXPECT_TRUE(found) << "no hypothesis crashed a after its acknowledgement";
}

TEST(Ldfi, CertifiesOnlyWhenEveryWayIsCut) {
  auto s = make_ldfi_strategy(space({FaultKind::Drop}, 1), kNodes, 1, kWorkload);
  s->observe(delivered(1));
  EXPECT_FALSE(s->certificate());
  std::vector<FaultPlan> round;
  while (auto p = s->propose()) round.push_back(*p);
  ASSERT_EQ(round.size(), 2u) << "a drop at either end of a->b #1";
  EXPECT_FALSE(s->certificate()) << "two hypotheses not run yet";
  // Both refuted: b got the message again as #2 each time.
  for (const auto& p : round) s->observe(delivered(2, p));
  // One fault cannot cut both a->b #1 and the retry #2 (a drop at #2 needs the one at #1).
  EXPECT_FALSE(s->propose());
  auto c = s->certificate();
  ASSERT_TRUE(c);
  EXPECT_EQ(c->max_faults, 1u);
  EXPECT_EQ(c->kinds, std::vector<FaultKind>{FaultKind::Drop});
  EXPECT_EQ(c->nodes, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(c->hypotheses, 2u);
  EXPECT_FALSE(c->assumptions.empty());
}

// A reply that depends, through memory shared by two threads, on a message another thread
// received: the precise lineage misses it, the sound one holds it, and the search must try
// cutting it before it may certify.
TEST(Ldfi, NeverCertifiesWithoutCuttingTheSoundLineage) {
  FaultSpace fs = space({FaultKind::Drop}, 1);
  auto s = make_ldfi_strategy(fs, kNodes, 1, kWorkload);
  Observation o;
  o.verdict = VerdictKind::Good;
  o.points = {send("b", "a", 1),      recv("a", "b", 1),      send("client", "a", 1),
              recv("a", "client", 1), send("a", "client", 1), recv("client", "a", 1)};
  o.signature = "s";
  std::vector<InjectionPoint> precise{recv("a", "client", 1), send("a", "client", 1),
                                      recv("client", "a", 1), send("client", "a", 1)};
  std::vector<InjectionPoint> sound = precise;
  sound.push_back(send("b", "a", 1));
  sound.push_back(recv("a", "b", 1));
  o.outcomes.push_back({"client answer #1", "client", true, precise, sound});
  s->observe(o);
  std::set<InjectionPoint> tried;
  for (int round = 0; round < 10; ++round) {
    auto p = s->propose();
    if (!p) break;
    tried.insert(p->faults.front().at);
    // The client retried and got its answer anyway: refuted, with the same lineage again.
    Observation again = o;
    again.plan = *p;
    s->observe(again);
  }
  EXPECT_TRUE(tried.count(send("b", "a", 1)) || tried.count(recv("a", "b", 1)))
      << "the message the other thread received was never cut";
}

TEST(Ldfi, AFaultThatCannotFireWherePlannedIsNoHypothesis) {
  auto s = make_ldfi_strategy(space({FaultKind::Drop}, 1), kNodes, 1, kWorkload);
  s->observe(delivered(1));
  std::vector<FaultPlan> round;
  while (auto p = s->propose()) round.push_back(*p);
  ASSERT_EQ(round.size(), 2u);
  for (const auto& p : round) {
    Observation o = delivered(1, p);
    o.unreached = {0};  // passed the point, and the drop did not fire (a datagram receive)
    s->observe(o);
  }
  EXPECT_FALSE(s->propose()) << "nothing is planned again where it cannot fire";
  auto c = s->certificate();
  ASSERT_TRUE(c);
  EXPECT_EQ(c->unfireable.size(), 2u);
}

TEST(Ldfi, AFaultWhosePointWasNotReachedIsPlannedOnceMore) {
  auto s = make_ldfi_strategy(space({FaultKind::Drop}, 1), kNodes, 1, kWorkload);
  s->observe(delivered(1));
  auto p = s->propose();
  ASSERT_TRUE(p);
  Observation o;
  o.plan = *p;
  o.verdict = VerdictKind::Good;
  o.signature = "short";
  o.unreached = {0};
  s->observe(o);
  auto again = s->propose();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->id(), p->id());
}

// A resumed campaign tells a rebuilt strategy the same runs, and asks it for the journal's
// plans, but never repeats the calls that found nothing: they must not change what follows.
TEST(Ldfi, CallsThatFindNothingChangeNothing) {
  FaultSpace fs = space({FaultKind::Crash, FaultKind::Drop}, 2);
  auto live = make_ldfi_strategy(fs, kNodes, 3, kWorkload);
  auto rebuilt = make_ldfi_strategy(fs, kNodes, 3, kWorkload);
  live->observe(delivered(1));
  rebuilt->observe(delivered(1));
  std::vector<FaultPlan> batch;
  while (auto p = live->propose()) batch.push_back(*p);
  EXPECT_FALSE(live->propose());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    auto p = rebuilt->propose();
    ASSERT_TRUE(p);
    EXPECT_EQ(p->id(), batch[i].id());
  }
  for (auto* s : {live.get(), rebuilt.get()})
    for (const auto& p : batch) s->observe(delivered(2, p));
  for (int i = 0; i < 5; ++i) {
    auto a = live->propose(), b = rebuilt->propose();
    ASSERT_EQ(a.has_value(), b.has_value());
    if (!a) break;
    EXPECT_EQ(a->id(), b->id()) << "proposal " << i << " after the batch";
  }
}

// A run that teaches another way to the outcome (here a fault-free run that delivered a's
// second message), proposed by nobody, changes the round: what comes next cuts both ways.
TEST(Ldfi, ARunThatTeachesASupportMakesTheRoundAnew) {
  auto s = make_ldfi_strategy(space({FaultKind::Drop}, 2), kNodes, 1, kWorkload);
  s->observe(delivered(1));
  auto first = s->propose();
  ASSERT_TRUE(first);
  ASSERT_EQ(first->faults.size(), 1u);
  s->observe(delivered(2));
  auto next = s->propose();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->faults.size(), 2u) << "one drop no longer cuts every way: " << next->id();
}

// Runs that teach the model nothing (the same points, a failing verdict: no support) leave
// the round as it was; a live strategy whose round found nothing, and one rebuilt from its
// journal, which never made that call, must still propose alike.
TEST(Ldfi, RunsThatTeachNothingKeepTheRoundAndItsAnswers) {
  FaultSpace fs = space({FaultKind::Crash, FaultKind::Drop}, 2);
  auto live = make_ldfi_strategy(fs, kNodes, 3, kWorkload);
  auto rebuilt = make_ldfi_strategy(fs, kNodes, 3, kWorkload);
  live->observe(delivered(1));
  rebuilt->observe(delivered(1));
  auto first = live->propose(), again = rebuilt->propose();
  ASSERT_TRUE(first && again);
  EXPECT_EQ(first->id(), again->id());
  std::vector<FaultPlan> rest;
  while (auto p = live->propose()) rest.push_back(*p);  // then a call that finds nothing
  for (const auto& p : rest) {
    auto q = rebuilt->propose();
    ASSERT_TRUE(q);
    EXPECT_EQ(q->id(), p.id());
  }
  rest.insert(rest.begin(), *first);
  for (auto* s : {live.get(), rebuilt.get()})
    for (const auto& p : rest) {
      Observation o = delivered(1, p);
      o.verdict = VerdictKind::Bug;  // no support learned, no hypothesis refuted
      s->observe(o);
    }
  for (int i = 0; i < 5; ++i) {
    auto a = live->propose(), b = rebuilt->propose();
    ASSERT_EQ(a.has_value(), b.has_value()) << "proposal " << i;
    if (!a) break;
    EXPECT_EQ(a->id(), b->id()) << "proposal " << i;
  }
  EXPECT_EQ(live->certificate().has_value(), rebuilt->certificate().has_value());
}

TEST(Hybrid, LdfiFirstThenCoverage) {
  auto s =
      make_strategy("hybrid", space({FaultKind::Drop, FaultKind::Delay}, 1), kNodes, 1, kWorkload);
  EXPECT_EQ(s->name(), "hybrid");
  s->observe(delivered(1));
  std::vector<std::string> by;
  while (auto p = s->propose()) {
    by.emplace_back(s->proposer());
    if (by.size() > 20) break;
  }
  ASSERT_GE(by.size(), 3u);
  EXPECT_EQ(by[0], "ldfi");
  EXPECT_EQ(by[1], "ldfi");
  EXPECT_EQ(by[2], "coverage") << "coverage fills once ldfi has nothing more for now";
  EXPECT_EQ(s->batch_size(2), 2u) << "one plan per CPU while ldfi has hypotheses out";
}

TEST(Coverage, MutatesQueuedPlansWithinTheSpace) {
  FaultSpace fs = space({FaultKind::Drop, FaultKind::Error, FaultKind::Delay}, 2);
  fs.delays = {std::chrono::milliseconds(100)};
  auto s = make_coverage_strategy(fs, kNodes, 5, kWorkload);
  EXPECT_FALSE(s->propose()) << "no run seen";
  s->observe(delivered(1));
  std::set<std::string> ids;
  for (int i = 0; i < 30; ++i) {
    auto p = s->propose();
    if (!p) break;
    EXPECT_LE(p->faults.size(), 2u);
    EXPECT_TRUE(ids.insert(p->id()).second) << "no plan twice";
    Observation o = delivered(1, *p);
    o.signature = "sig" + std::to_string(i % 3);
    s->observe(o);
  }
  EXPECT_GE(ids.size(), 10u);
  auto a = make_coverage_strategy(fs, kNodes, 5, kWorkload);
  auto b = make_coverage_strategy(fs, kNodes, 5, kWorkload);
  a->observe(delivered(1));
  b->observe(delivered(1));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(a->propose()->id(), b->propose()->id()) << "seeded";
}

}  // namespace
}  // namespace fissure
