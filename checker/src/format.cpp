#include <fmt/format.h>

#include "fissure/checker/report.hpp"

namespace fissure::checker {

std::string format_counterexample(const History& h, const Counterexample& c, std::size_t max_ops) {
  std::string out = c.explanation + "\n";
  out += fmt::format("{} operation{}{}{}:\n", c.ops.size(), c.ops.size() == 1 ? "" : "s",
                     c.key.empty() ? "" : fmt::format(" on key '{}'", c.key),
                     c.minimal ? " that no order explains (each one is needed)"
                               : " that no order explains (shrinking ran out of budget)");
  std::size_t skip = c.ops.size() > max_ops ? c.ops.size() - max_ops : 0;
  if (skip > 0) out += fmt::format("  ({} earlier ones not shown)\n", skip);
  for (std::size_t i = skip; i < c.ops.size(); ++i) {
    const Operation& o = c.ops[i];
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
