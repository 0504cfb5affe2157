#include <fmt/format.h>

#include <stdexcept>

#include "fissure/strategies/strategy.hpp"

namespace fissure {

std::unique_ptr<Strategy> make_strategy(std::string_view name, const FaultSpace& space,
                                        std::vector<std::string> node_names, std::uint64_t seed,
                                        std::vector<std::string> workload) {
  if (name == "random")
    return make_random_strategy(space, std::move(node_names), seed, std::move(workload));
  if (name == "exhaustive")
    return make_exhaustive_strategy(space, std::move(node_names), std::move(workload));
  if (name == "ldfi")
    return make_ldfi_strategy(space, std::move(node_names), seed, std::move(workload));
  if (name == "coverage")
    return make_coverage_strategy(space, std::move(node_names), seed, std::move(workload));
  if (name == "hybrid")
    return make_hybrid_strategy(space, std::move(node_names), seed, std::move(workload));
  throw std::invalid_argument(
      fmt::format("'{}' is not a strategy ({})", name, strategy_names()));
}

}  // namespace fissure
