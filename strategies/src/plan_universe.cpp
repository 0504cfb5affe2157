#include "plan_universe.hpp"

#include <algorithm>

namespace fissure {

// Joins units into one plan if no two of them land at the same point.
std::optional<FaultPlan> combine(const std::vector<const FaultPlan*>& units) {
  FaultPlan plan;
  std::set<InjectionPoint> points;
  for (const FaultPlan* u : units)
    for (const Fault& f : u->faults) {
      if (f.kind != FaultKind::Restart && !points.insert(f.at).second) return std::nullopt;
      if (f.kind == FaultKind::Restart &&
          std::any_of(plan.faults.begin(), plan.faults.end(), [&](const Fault& g) {
            return g.kind == FaultKind::Restart && g.node == f.node;
          }))
        return std::nullopt;
      plan.faults.push_back(f);
    }
  return plan;
}

std::size_t Universe::learn(const std::vector<InjectionPoint>& points) {
  std::size_t before = units_.size();
  for (const auto& p : points)
    if (seen_.insert(p).second)
      for (auto& u : fault_units(p, space_, nodes_, workload_)) {
        at_[p].push_back(units_.size());
        by_faults_.emplace(u.faults, units_.size());
        units_.push_back(std::move(u));
      }
  return units_.size() - before;
}

const std::vector<std::size_t>& Universe::at(const InjectionPoint& p) const {
  static const std::vector<std::size_t> none;
  auto it = at_.find(p);
  return it == at_.end() ? none : it->second;
}

std::optional<std::vector<std::size_t>> Universe::decompose(const FaultPlan& plan) const {
  std::vector<std::size_t> out;
  for (const Fault& f : plan.faults) {
    if (f.kind == FaultKind::Restart) continue;  // with its crash
    FaultPlan unit{{f}};
    if (f.kind == FaultKind::Crash)
      for (const Fault& r : plan.faults)
        if (r.kind == FaultKind::Restart && r.node == f.at.node) unit.faults.push_back(r);
    auto it = by_faults_.find(unit.faults);
    if (it == by_faults_.end()) return std::nullopt;
    out.push_back(it->second);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace fissure
