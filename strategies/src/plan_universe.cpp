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

std::size_t Universe::learn(const PointList& points) {
  std::size_t before = units_.size();
  const auto& ids = index_.ids(points.table());
  for (std::uint32_t r : points.rows()) {
    const std::uint32_t id = ids[r];
    if (id >= learned_.size()) {
      learned_.resize(index_.size(), false);
      at_.resize(index_.size());
    }
    if (learned_[id]) continue;
    learned_[id] = true;
    const InjectionPoint& p = index_.point(id);
    for (auto& u : fault_units(p, space_, nodes_, workload_)) {
      at_[id].push_back(units_.size());
      by_faults_.emplace(u.faults, units_.size());
      units_.push_back(std::move(u));
    }
  }
  return units_.size() - before;
}

const std::vector<std::size_t>& Universe::at(std::uint32_t id) const {
  static const std::vector<std::size_t> none;
  return id < at_.size() ? at_[id] : none;
}

const std::vector<std::size_t>& Universe::at(const InjectionPoint& p) const {
  return at(index_.find(p));
}

bool Universe::seen(const InjectionPoint& p) const {
  const std::uint32_t id = index_.find(p);
  return id < learned_.size() && learned_[id];
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
