// A fault plan in words, for the report's readers: "crash master just after its 5th send to
// client (the +OK)". Points are told by their order among the node's acts of that kind
// towards that peer, the way the plan counts them, and never with a '#'.
#pragma once

#include <string>
#include <vector>

#include "fissure/tracer/faults.hpp"
#include "fissure/tracer/trace.hpp"

namespace fissure {

class PlanDescription {
 public:
  // `traces` are looked in, in order, for the bytes a planned send carried (the bug's run,
  // then the fault-free baseline, which still has a send the fault prevented).
  explicit PlanDescription(std::vector<const Trace*> traces = {}) : traces_(std::move(traces)) {}

  std::string operator()(const Fault& f) const;
  // The faults in the plan's order, joined by "; "; "no fault" for an empty plan.
  std::string operator()(const FaultPlan& plan) const;

  // "1st", "2nd", "3rd", "4th", "11th", "21st".
  static std::string ordinal(std::uint32_t k);
  // "its 5th send to client": `whose` is "its" or "master's".
  static std::string act(const InjectionPoint& p, const std::string& whose);

 private:
  std::string payload(const InjectionPoint& p) const;  // " (the +OK)" or ""
  std::vector<const Trace*> traces_;
};

}  // namespace fissure
