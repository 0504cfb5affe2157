// Strategies choose the next fault plans. The explorer knows them only through this
// interface: propose, then observe what the run did.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fissure/tracer/faults.hpp"
#include "fissure/tracer/spec.hpp"

namespace fissure {

// What a strategy learns from one run.
struct Observation {
  FaultPlan plan;
  std::string verdict;                 // "good", "bug", "hang", "start-failed"
  std::vector<InjectionPoint> points;  // the points the run passed through
  std::string signature;               // its coverage signature
};

class Strategy {
 public:
  virtual ~Strategy() = default;
  virtual std::string_view name() const = 0;
  // The next plan, or nullopt when nothing is left within the strategy's bounds. A call that
  // returns nullopt leaves the strategy as it was: campaigns journal only the plans, and a
  // resumed campaign rebuilds the strategy from them (later observations may open new ground).
  virtual std::optional<FaultPlan> propose() = 0;
  virtual void observe(const Observation& o) = 0;
};

// The ways one point may be faulted under a [faults] space, each a small plan: a single
// fault, or a crash with the restart the space allows.
// `workload`: nodes that are never restarted (their exit ends the run's workload).
std::vector<FaultPlan> fault_units(const InjectionPoint& p, const FaultSpace& space,
                                   const std::vector<std::string>& node_names,
                                   const std::vector<std::string>& workload = {});

// Random plans of up to space.max units over every point seen so far, never the same plan
// twice; seeded, so a campaign can be run again.
std::unique_ptr<Strategy> make_random_strategy(const FaultSpace& space,
                                               std::vector<std::string> node_names,
                                               std::uint64_t seed,
                                               std::vector<std::string> workload = {});

// Every plan of up to space.max units over the points of its first observation (the
// fault-free run), smallest plans first; then exhausted.
class ExhaustiveStrategy;
std::unique_ptr<ExhaustiveStrategy> make_exhaustive_strategy(
    const FaultSpace& space, std::vector<std::string> node_names,
    std::vector<std::string> workload = {});

class ExhaustiveStrategy : public Strategy {
 public:
  // How many plans it will propose in all (saturating at UINT64_MAX); 0 before it has seen a run.
  virtual std::uint64_t total() const = 0;
};

std::unique_ptr<Strategy> make_strategy(std::string_view name, const FaultSpace& space,
                                        std::vector<std::string> node_names, std::uint64_t seed,
                                        std::vector<std::string> workload = {});

}  // namespace fissure
