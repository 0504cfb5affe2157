// The fault units a [faults] space allows at the points seen so far, for the strategies
// that draw plans from them, and how units join into one plan.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "fissure/strategies/strategy.hpp"
#include "point_index.hpp"

namespace fissure {

// Joins units into one plan if no two of them land at the same point (nor restart one node
// twice).
std::optional<FaultPlan> combine(const std::vector<const FaultPlan*>& units);

// Units for all points, in the order points were first seen. Points are numbered by its
// PointIndex, which the lineage-driven model shares.
class Universe {
 public:
  Universe(FaultSpace space, std::vector<std::string> nodes, std::vector<std::string> workload)
      : space_(std::move(space)), nodes_(std::move(nodes)), workload_(std::move(workload)) {}
  // Adds the units of points not seen before; returns how many units were added.
  std::size_t learn(const PointList& points);
  const std::vector<FaultPlan>& units() const { return units_; }
  // The units a plan is made of (a crash and its restart are one), or nullopt when a fault of
  // it is no unit of this space.
  std::optional<std::vector<std::size_t>> decompose(const FaultPlan& plan) const;
  // The units at one point, by the point or by its id.
  const std::vector<std::size_t>& at(const InjectionPoint& p) const;
  const std::vector<std::size_t>& at(std::uint32_t id) const;
  bool seen(const InjectionPoint& p) const;
  const FaultSpace& space() const { return space_; }
  PointIndex& index() { return index_; }
  const PointIndex& index() const { return index_; }

 private:
  FaultSpace space_;
  std::vector<std::string> nodes_;
  std::vector<std::string> workload_;
  PointIndex index_;
  std::vector<bool> learned_;                  // per point id: its units are made
  std::vector<std::vector<std::size_t>> at_;   // per point id
  std::vector<FaultPlan> units_;
  std::map<std::vector<Fault>, std::size_t> by_faults_;  // a unit's faults -> its index
};

}  // namespace fissure
