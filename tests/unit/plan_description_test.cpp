// Plans in words, as the report's summary table tells them; expected sentences written out
// by hand from each plan.
#include "plan_description.hpp"

#include <gtest/gtest.h>

#include <cerrno>

namespace fissure {
namespace {

InjectionPoint at(const std::string& node, OpClass op, const std::string& peer, std::uint32_t k) {
  return {node, op, peer, k};
}

TEST(PlanDescription, Ordinals) {
  EXPECT_EQ(PlanDescription::ordinal(1), "1st");
  EXPECT_EQ(PlanDescription::ordinal(2), "2nd");
  EXPECT_EQ(PlanDescription::ordinal(3), "3rd");
  EXPECT_EQ(PlanDescription::ordinal(4), "4th");
  EXPECT_EQ(PlanDescription::ordinal(11), "11th");
  EXPECT_EQ(PlanDescription::ordinal(12), "12th");
  EXPECT_EQ(PlanDescription::ordinal(13), "13th");
  EXPECT_EQ(PlanDescription::ordinal(21), "21st");
  EXPECT_EQ(PlanDescription::ordinal(112), "112th");
}

TEST(PlanDescription, CrashNamesTheActAndTheBytesItCarried) {
  Trace t;  // the run where master's 5th send to client carried the +OK
  Event e;
  e.point = at("master", OpClass::Send, "client", 5);
  e.head = "+OK\r\n";
  e.moved = 5;
  t.events.push_back(e);
  Fault f;
  f.kind = FaultKind::Crash;
  f.at = e.point;
  f.after = true;
  EXPECT_EQ(PlanDescription({&t})(f), "crash master just after its 5th send to client (the +OK)");
  f.after = false;
  EXPECT_EQ(PlanDescription()(f), "crash master just before its 5th send to client")
      << "without a trace, no bytes";
  // The first trace without bytes for the point gives way to the next (the baseline).
  Trace none;
  EXPECT_EQ(PlanDescription({&none, &t})(f),
            "crash master just before its 5th send to client (the +OK)");
}

TEST(PlanDescription, EveryKindReadsAsWordsWithoutAHash) {
  std::vector<std::pair<Fault, std::string>> cases;
  Fault f;
  f.kind = FaultKind::Error;
  f.at = at("client", OpClass::Connect, "master", 2);
  f.err = ECONNREFUSED;
  cases.emplace_back(f, "fail client's 2nd connect to master with ECONNREFUSED");
  f = {};
  f.kind = FaultKind::Drop;
  f.at = at("replica1", OpClass::Recv, "master", 12);
  cases.emplace_back(f, "drop replica1's 12th receive from master");
  f = {};
  f.kind = FaultKind::Delay;
  f.at = at("master", OpClass::Send, "replica2", 3);
  f.delay_ms = 406;
  cases.emplace_back(f, "delay master's 3rd send to replica2 by 406 ms");
  f = {};
  f.kind = FaultKind::Partition;
  f.at = at("sentinel1", OpClass::Send, "master", 1);
  f.groups = {{"master"}, {"replica1", "replica2", "sentinel1"}};
  f.heal_ms = 2000;
  cases.emplace_back(f,
                     "cut master off from replica1, replica2 and sentinel1 at sentinel1's 1st "
                     "send to master, healed after 2000 ms");
  f.groups = {{"a"}, {"b"}, {"c", "d"}};
  f.heal_ms = 0;
  cases.emplace_back(f, "split the network into {a}, {b} and {c, d} at sentinel1's 1st send to "
                        "master");
  f = {};
  f.kind = FaultKind::Disk;
  f.at = at("master", OpClass::FileWrite, "${RUN_DIR}/appendonly.aof", 1);
  f.err = ENOSPC;
  cases.emplace_back(f, "fail master's 1st write to appendonly.aof with ENOSPC (disk)");
  f = {};
  f.kind = FaultKind::Restart;
  f.node = "master";
  f.delay_ms = 500;
  cases.emplace_back(f, "restart master 500 ms after its crash");
  for (const auto& [fault, words] : cases) {
    std::string got = PlanDescription()(fault);
    EXPECT_EQ(got, words);
    EXPECT_EQ(got.find('#'), std::string::npos) << got;
  }
}

TEST(PlanDescription, APlanJoinsItsFaultsInOrder) {
  FaultPlan p;
  Fault crash;
  crash.kind = FaultKind::Crash;
  crash.at = at("master", OpClass::Accept, "127.0.0.1:7000", 1);
  Fault restart;
  restart.kind = FaultKind::Restart;
  restart.node = "master";
  restart.delay_ms = 100;
  p.faults = {crash, restart};
  EXPECT_EQ(PlanDescription()(p),
            "crash master just before its 1st accept on 127.0.0.1:7000; restart master 100 ms "
            "after its crash");
  EXPECT_EQ(PlanDescription()(FaultPlan{}), "no fault");
}

}  // namespace
}  // namespace fissure
