#include "fissure/checker/check.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "explain.hpp"
#include "register_search.hpp"
#include "shrink.hpp"

namespace fissure::checker {

std::string_view to_string(Linearizability l) {
  switch (l) {
    case Linearizability::Linearizable:
      return "linearizable";
    case Linearizability::NotLinearizable:
      return "not linearizable";
    case Linearizability::Unknown:
      return "unknown";
  }
  return "?";
}

CheckResult check_linearizable_register(const History& h, const Budget& budget,
                                        bool counterexample) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const SearchLimits limits{start + budget.time, budget.memo_entries};
  CheckResult result;
  for (const auto& [key, indices] : h.by_key()) {
    std::vector<const Operation*> ops, failed;
    for (std::size_t i : indices) {
      const Operation& o = h.ops[i];
      if (o.constrains())
        ops.push_back(&o);
      else if (o.outcome == OpOutcome::Fail)
        failed.push_back(&o);
    }
    if (ops.empty()) continue;
    ++result.keys;
    result.ops += ops.size();
    SearchOutcome outcome = search_operations(ops, limits);
    if (outcome == SearchOutcome::OutOfTime || outcome == SearchOutcome::OutOfMemory) {
      // Another key may still be found not linearizable, which says more.
      if (result.verdict == Linearizability::Linearizable) {
        result.verdict = Linearizability::Unknown;
        result.budget = outcome == SearchOutcome::OutOfTime
                            ? fmt::format("time {} ms", budget.time.count())
                            : fmt::format("memory {} memoized states", budget.memo_entries);
        if (!key.empty()) result.budget += fmt::format(" on key '{}'", key);
      }
      continue;
    }
    if (outcome == SearchOutcome::Linearizable) continue;
    result.verdict = Linearizability::NotLinearizable;
    result.budget.clear();
    if (!counterexample) return result;
    // Shrinking gets what is left of the budget, and at least a tenth of it: a verdict
    // reached at the last moment still deserves a readable counterexample.
    SearchLimits shrink_limits = limits;
    shrink_limits.deadline = std::max(limits.deadline, Clock::now() + budget.time / 10);
    Counterexample c;
    c.key = key;
    std::vector<const Operation*> core = shrink(ops, shrink_limits, c.minimal);
    std::sort(core.begin(), core.end(), [](const Operation* a, const Operation* b) {
      return a->invoke_time < b->invoke_time;
    });
    const Operation* lost = nullptr;
    c.explanation = explain(h, key, core, ops, failed, &lost);
    if (lost) c.lost_write = *lost;
    for (const Operation* o : core) c.ops.push_back(*o);
    result.counterexample = std::move(c);
    return result;
  }
  return result;
}

}  // namespace fissure::checker
