#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <set>

#include "fissure/strategies/strategy.hpp"
#include "plan_universe.hpp"

namespace fissure {

namespace {

class RandomStrategy : public Strategy {
 public:
  RandomStrategy(const FaultSpace& space, std::vector<std::string> nodes, std::uint64_t seed,
                 std::vector<std::string> workload)
      : universe_(space, std::move(nodes), std::move(workload)), max_(space.max), rng_(seed) {}
  std::string_view name() const override { return "random"; }
  void observe(const Observation& o) override { universe_.learn(o.points); }
  std::optional<FaultPlan> propose() override {
    const auto& units = universe_.units();
    if (units.empty()) return std::nullopt;
    // Plans already tried are skipped; after many misses in a row the space is spent, and the
    // draws that found nothing are taken back (see Strategy::propose).
    const std::mt19937_64 before = rng_;
    for (int attempt = 0; attempt < 1000; ++attempt) {
      std::uint32_t size = std::uniform_int_distribution<std::uint32_t>(1, max_)(rng_);
      std::vector<const FaultPlan*> chosen;
      for (std::uint32_t i = 0; i < size; ++i)
        chosen.push_back(
            &units[std::uniform_int_distribution<std::size_t>(0, units.size() - 1)(rng_)]);
      auto plan = combine(chosen);
      if (plan && proposed_.insert(plan->id()).second) return plan;
    }
    rng_ = before;
    return std::nullopt;
  }

 private:
  Universe universe_;
  std::uint32_t max_;
  std::mt19937_64 rng_;
  std::set<std::string> proposed_;
};

}  // namespace

std::unique_ptr<Strategy> make_random_strategy(const FaultSpace& space,
                                               std::vector<std::string> node_names,
                                               std::uint64_t seed,
                                               std::vector<std::string> workload) {
  return std::make_unique<RandomStrategy>(space, std::move(node_names), seed, std::move(workload));
}

}  // namespace fissure
