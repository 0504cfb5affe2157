#include <gtest/gtest.h>

#include <cerrno>
#include <sstream>

#include "fissure/tracer/faults.hpp"

namespace fissure {
namespace {

const std::vector<std::string> kNodes = {"master", "replica1", "client"};

FaultPlan parse(const std::string& json) {
  std::istringstream is(json);
  return read_plan(is, kNodes);
}

std::string error_of(const std::string& json) {
  try {
    parse(json);
  } catch (const PlanError& e) {
    return e.what();
  }
  return "(accepted)";
}

constexpr const char* kAll = R"({"faults": [
  {"kind": "crash", "at": {"node": "master", "op": "send", "peer": "client", "k": 3}, "when": "after"},
  {"kind": "error", "at": {"node": "client", "op": "connect", "peer": "master", "k": 1}, "errno": "ECONNREFUSED"},
  {"kind": "drop", "at": {"node": "master", "op": "send", "peer": "replica1", "k": 2}},
  {"kind": "delay", "at": {"node": "replica1", "op": "recv", "peer": "master", "k": 1}, "ms": 250},
  {"kind": "partition", "at": {"node": "client", "op": "send", "peer": "master", "k": 1},
   "groups": [["master"], ["replica1", "client"]], "heal_ms": 1000},
  {"kind": "disk", "at": {"node": "master", "op": "fsync", "peer": "${RUN_DIR}/appendonly.aof", "k": 1}, "errno": "EIO"},
  {"kind": "restart", "node": "master", "after_ms": 200}
]})";

TEST(Plan, ReadsEveryKindAndWritesItBack) {
  FaultPlan p = parse(kAll);
  ASSERT_EQ(p.faults.size(), 7u);
  EXPECT_TRUE(p.faults[0].after);
  EXPECT_EQ(p.faults[0].at, (InjectionPoint{"master", OpClass::Send, "client", 3}));
  EXPECT_EQ(p.faults[1].err, ECONNREFUSED);
  EXPECT_EQ(p.faults[3].delay_ms, 250u);
  EXPECT_EQ(p.faults[4].groups.size(), 2u);
  EXPECT_EQ(p.faults[4].heal_ms, 1000u);
  EXPECT_EQ(p.faults[5].err, EIO);
  EXPECT_EQ(p.faults[6].node, "master");
  EXPECT_EQ(p.faults[6].delay_ms, 200u);
  std::ostringstream os;
  write_plan(p, os);
  FaultPlan again = parse(os.str());
  EXPECT_EQ(again.faults, p.faults);
  EXPECT_EQ(again.id(), p.id());
}

TEST(Plan, IdentityIgnoresOrderButNotContent) {
  FaultPlan p = parse(kAll);
  FaultPlan reversed = p;
  std::reverse(reversed.faults.begin(), reversed.faults.end());
  std::swap(reversed.faults[2].groups[0], reversed.faults[2].groups[1]);  // the partition
  EXPECT_EQ(reversed.id(), p.id());
  FaultPlan other = p;
  other.faults[0].at.k = 4;
  EXPECT_NE(other.id(), p.id());
  EXPECT_EQ(p.id().size(), 16u);
}

TEST(Plan, RefusalsNameTheFaultAndField) {
  EXPECT_EQ(
      error_of(
          R"({"faults": [{"kind": "crash", "at": {"node": "master", "op": "send", "peer": "client", "k": 1}},
                                    {"kind": "explode", "at": {"node": "master", "op": "send", "peer": "client", "k": 1}}]})"),
      "fault[1].kind: 'explode' is not one of crash, error, drop, delay, partition, disk, restart");
  EXPECT_EQ(
      error_of(
          R"({"faults": [{"kind": "crash", "at": {"node": "primary", "op": "send", "peer": "client", "k": 1}}]})"),
      "fault[0].at.node: no node named 'primary' in the spec");
  EXPECT_EQ(
      error_of(
          R"({"faults": [{"kind": "crash", "at": {"node": "master", "op": "yell", "peer": "client", "k": 1}}]})"),
      "fault[0].at.op: 'yell' is not one of send, recv, connect, accept, file-write, fsync");
  EXPECT_EQ(
      error_of(
          R"({"faults": [{"kind": "error", "at": {"node": "master", "op": "send", "peer": "client", "k": 1}}]})"),
      "fault[0].errno: missing (a error fault needs it)");
  EXPECT_EQ(
      error_of(
          R"({"faults": [{"kind": "error", "errno": "EOOPS", "at": {"node": "master", "op": "send", "peer": "client", "k": 1}}]})"),
      "fault[0].errno: 'EOOPS' is not an errno fissure knows (ECONNRESET, EPIPE, EIO, ENOSPC, "
      "...)");
  EXPECT_EQ(
      error_of(
          R"({"faults": [{"kind": "crash", "at": {"node": "master", "op": "send", "peer": "client", "k": 0}}]})"),
      "fault[0].at.k: occurrences count from 1");
  EXPECT_EQ(
      error_of(
          R"({"faults": [{"kind": "crash", "at": {"node": "master", "op": "send", "peer": "client", "k": 1}, "colour": 1}]})"),
      "fault[0].colour: unknown field (known: kind, at, when, errno, ms, groups, heal_ms, node, "
      "after_ms)");
  EXPECT_EQ(
      error_of(
          R"({"faults": [{"kind": "disk", "errno": "EIO", "at": {"node": "master", "op": "send", "peer": "client", "k": 1}}]})"),
      "fault[0].at.op: a disk fault lands on a file-write or fsync");
  EXPECT_EQ(
      error_of(
          R"({"faults": [{"kind": "partition", "groups": [["master"], ["master", "client"]], "at": {"node": "master", "op": "send", "peer": "client", "k": 1}}]})"),
      "fault[0].groups: node 'master' is in two groups");
  EXPECT_EQ(
      error_of(
          R"({"faults": [{"kind": "delay", "ms": 0, "at": {"node": "master", "op": "send", "peer": "client", "k": 1}}]})"),
      "fault[0].ms: a delay must be positive");
  EXPECT_EQ(error_of(R"({"faults": [{"kind": "restart", "after_ms": 5}]})"),
            "fault[0].node: missing (a restart fault needs it)");
  EXPECT_NE(
      error_of(
          R"({"faults": [{"kind": "crash", "at": {"node": "master", "op": "send", "peer": "client", "k": "three"}}]})")
          .find("fault[0].at.k: wrong type"),
      std::string::npos);
  EXPECT_NE(error_of(R"([1, 2])").find("not a fault plan"), std::string::npos);
}

TEST(Plan, AmbiguousOrSloppyPlansAreRefused) {
  EXPECT_EQ(error_of(R"({"faults": [
      {"kind": "error", "errno": "EPIPE", "at": {"node": "master", "op": "send", "peer": "client", "k": 2}},
      {"kind": "crash", "at": {"node": "master", "op": "send", "peer": "client", "k": 2}}]})"),
            "fault[1].at: fault[0] already lands at master send->client #2: one fault per point");
  EXPECT_EQ(error_of(R"({"faults": [{"kind": "restart", "node": "master", "after_ms": 10},
                                    {"kind": "restart", "node": "master", "after_ms": 20}]})"),
            "fault[1].node: fault[0] already restarts 'master'");
  EXPECT_EQ(error_of(R"({"faults": [], "extra": 1})"), "'extra': a plan has one field, \"faults\"");
  EXPECT_EQ(
      error_of(
          R"({"faults": [{"kind": "crash", "at": {"node": "master", "op": "send", "peer": "client", "k": 1, "k": 2}}]})"),
      "fault[0].at.k: given twice");
  EXPECT_EQ(
      error_of(
          R"({"faults": [{"kind": "error", "errno": "EIO", "when": "after", "at": {"node": "master", "op": "send", "peer": "client", "k": 1}}]})"),
      "fault[0].when: a error fault has no such field");
}

}  // namespace
}  // namespace fissure
