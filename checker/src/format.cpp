#include <fmt/format.h>

#include "fissure/checker/report.hpp"

namespace fissure::checker {

std::string format_counterexample(const History& h, const Counterexample& c) {
  std::string out = c.explanation + "\n";
  out += fmt::format("{} operation{}{}{}:\n", c.ops.size(), c.ops.size() == 1 ? "" : "s",
                     c.key.empty() ? "" : fmt::format(" on key '{}'", c.key),
                     c.minimal ? " that no order explains (each one is needed)"
                               : " that no order explains (shrinking ran out of budget)");
  for (const Operation& o : c.ops) {
    std::string until;
    if (o.outcome == OpOutcome::Ok && o.complete_time)
      until = fmt::format("ok at {}", h.when(*o.complete_time));
    else if (o.complete_time)
      until = fmt::format("info at {} (may or may not have happened)", h.when(*o.complete_time));
    else
      until = "never completed (may or may not have happened)";
    out += fmt::format("  process {:<4} {:<14} invoked at {}, {}\n", o.process, o.describe(),
                       h.when(o.invoke_time), until);
  }
  return out;
}

}  // namespace fissure::checker
