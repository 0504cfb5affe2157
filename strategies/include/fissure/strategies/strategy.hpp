// Strategies choose the next fault plans. The explorer knows them only through this
// interface: propose, then observe what the run did.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fissure/strategies/observation.hpp"
#include "fissure/tracer/faults.hpp"
#include "fissure/tracer/spec.hpp"

namespace fissure {

// What a search that ran out of hypotheses proved: within these bounds, every way of cutting
// the good outcome's known lineage was run, and none broke the oracle.
struct Certificate {
  std::uint32_t max_faults = 0;
  std::vector<FaultKind> kinds;     // the fault kinds its hypotheses drew from
  std::vector<std::string> nodes;   // the nodes they could fault
  std::size_t points = 0;           // injection points seen in all runs
  std::size_t hypotheses = 0;       // hypotheses run
  std::size_t supports = 0;         // alternative supports learned, over all outcomes
  std::vector<std::string> unfireable;  // faults that did not fire at a point their run passed
  std::vector<std::string> assumptions;
};

// How a search is going, for the progress line, the report and the benchmarks.
struct SearchStats {
  std::size_t hypotheses = 0;  // proposed by the lineage-driven search
  std::size_t refuted = 0;     // ran, and the outcome came another way
  std::size_t supports = 0;    // alternative supports known, over all outcomes
  double solver_seconds = 0;   // spent in Z3
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
  // Which search proposed the last plan ("ldfi", "coverage", ...): hybrid has two.
  virtual std::string_view proposer() const { return name(); }
  // Plans to ask for per batch, given `jobs` runs at once. A search that learns from each run
  // asks for fewer at a time: a run it has not seen yet may change what it would propose.
  virtual std::size_t batch_size(unsigned jobs) const { return 4 * static_cast<std::size_t>(jobs); }
  // Set once the search has run every hypothesis within its bounds without a counterexample.
  virtual std::optional<Certificate> certificate() const { return std::nullopt; }
  virtual SearchStats stats() const { return {}; }
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

// Lineage-driven fault injection (Molly; Netflix's LDFI) solved with Z3: see ldfi_strategy.cpp.
std::unique_ptr<Strategy> make_ldfi_strategy(const FaultSpace& space,
                                             std::vector<std::string> node_names,
                                             std::uint64_t seed,
                                             std::vector<std::string> workload = {});
// Coverage-guided mutation of plans that showed a new signature (AFL's queue).
std::unique_ptr<Strategy> make_coverage_strategy(const FaultSpace& space,
                                                 std::vector<std::string> node_names,
                                                 std::uint64_t seed,
                                                 std::vector<std::string> workload = {});
// ldfi first, coverage filling the rest of each batch and hunting on after ldfi certified.
std::unique_ptr<Strategy> make_hybrid_strategy(const FaultSpace& space,
                                               std::vector<std::string> node_names,
                                               std::uint64_t seed,
                                               std::vector<std::string> workload = {});

std::unique_ptr<Strategy> make_strategy(std::string_view name, const FaultSpace& space,
                                        std::vector<std::string> node_names, std::uint64_t seed,
                                        std::vector<std::string> workload = {});

}  // namespace fissure
