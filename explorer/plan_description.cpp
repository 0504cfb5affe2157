#include "plan_description.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>

#include "fissure/model/payload_text.hpp"

namespace fissure {
namespace {

// A file is named by its file name: "${RUN_DIR}/appendonly.aof" reads as "appendonly.aof".
std::string peer_name(const InjectionPoint& p) {
  if (p.op == OpClass::FileWrite || p.op == OpClass::Fsync)
    return std::filesystem::path(p.peer).filename().string();
  return p.peer;
}

std::string names(const std::vector<std::string>& group) {
  if (group.size() <= 1) return group.empty() ? "" : group.front();
  return fmt::format("{} and {}", fmt::join(group.begin(), group.end() - 1, ", "), group.back());
}

std::string ms(std::uint32_t v) { return fmt::format("{} ms", v); }

}  // namespace

std::string PlanDescription::ordinal(std::uint32_t k) {
  const char* suffix = "th";
  if (k % 100 < 11 || k % 100 > 13) {
    if (k % 10 == 1) suffix = "st";
    if (k % 10 == 2) suffix = "nd";
    if (k % 10 == 3) suffix = "rd";
  }
  return fmt::format("{}{}", k, suffix);
}

std::string PlanDescription::act(const InjectionPoint& p, const std::string& whose) {
  const char* verb = "send to";
  switch (p.op) {
    case OpClass::Send:
      verb = "send to";
      break;
    case OpClass::Recv:
      verb = "receive from";
      break;
    case OpClass::Connect:
      verb = "connect to";
      break;
    case OpClass::Accept:
      verb = "accept on";
      break;
    case OpClass::FileWrite:
      verb = "write to";
      break;
    case OpClass::Fsync:
      verb = "sync of";
      break;
  }
  return fmt::format("{} {} {} {}", whose, ordinal(p.k), verb, peer_name(p));
}

std::string PlanDescription::payload(const InjectionPoint& p) const {
  if (p.op != OpClass::Send && p.op != OpClass::FileWrite) return "";
  for (const Trace* t : traces_) {
    if (!t) continue;
    for (const Event& e : t->events)
      if (e.point == p) {
        std::string text = payload_text(e);
        if (!text.empty()) return fmt::format(" (the {})", text);
        break;
      }
  }
  return "";
}

std::string PlanDescription::operator()(const Fault& f) const {
  const std::string whose = f.at.node + "'s";
  switch (f.kind) {
    case FaultKind::Crash:
      return fmt::format("crash {} just {} {}{}", f.at.node, f.after ? "after" : "before",
                         act(f.at, "its"), payload(f.at));
    case FaultKind::Error:
      return fmt::format("fail {}{} with {}", act(f.at, whose), payload(f.at), errno_name(f.err));
    case FaultKind::Drop:
      return fmt::format("drop {}{}", act(f.at, whose), payload(f.at));
    case FaultKind::Delay:
      return fmt::format("delay {}{} by {}", act(f.at, whose), payload(f.at), ms(f.delay_ms));
    case FaultKind::Partition: {
      std::string cut;
      if (f.groups.size() == 2)
        cut = fmt::format("cut {} off from {}", names(f.groups[0]), names(f.groups[1]));
      else {
        std::vector<std::string> parts;
        for (const auto& g : f.groups) parts.push_back(fmt::format("{{{}}}", fmt::join(g, ", ")));
        cut = fmt::format("split the network into {}", names(parts));
      }
      return fmt::format("{} at {}{}", cut, act(f.at, whose),
                         f.heal_ms ? fmt::format(", healed after {}", ms(f.heal_ms)) : "");
    }
    case FaultKind::Disk:
      return fmt::format("fail {} with {} (disk)", act(f.at, whose), errno_name(f.err));
    case FaultKind::Restart:
      return fmt::format("restart {} {} after its crash", f.node, ms(f.delay_ms));
  }
  return describe(f);
}

std::string PlanDescription::operator()(const FaultPlan& plan) const {
  if (plan.faults.empty()) return "no fault";
  std::vector<std::string> parts;
  for (const Fault& f : plan.faults) parts.push_back((*this)(f));
  return fmt::format("{}", fmt::join(parts, "; "));
}

}  // namespace fissure
