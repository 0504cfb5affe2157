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

class Exhaustive : public ExhaustiveStrategy {
 public:
  Exhaustive(const FaultSpace& space, std::vector<std::string> nodes,
             std::vector<std::string> workload)
      : universe_(space, std::move(nodes), std::move(workload)), max_(space.max) {}
  std::string_view name() const override { return "exhaustive"; }
  void observe(const Observation& o) override {
    if (started_) return;  // the universe is the first run's points
    started_ = true;
    universe_.learn(o.points);
    next_size(1);
  }
  std::optional<FaultPlan> propose() override {
    const auto& units = universe_.units();
    while (size_ >= 1 && size_ <= max_ && size_ <= units.size()) {
      std::vector<const FaultPlan*> chosen;
      for (std::size_t i : index_) chosen.push_back(&units[i]);
      bool more = advance();
      auto plan = combine(chosen);
      if (!more) next_size(size_ + 1);
      if (plan) return plan;
    }
    return std::nullopt;
  }
  std::uint64_t total() const override {
    if (!started_) return 0;
    // Plans of 1..max units with no two units at one point: per size, choose that many
    // points, then one unit at each.
    std::map<InjectionPoint, std::uint64_t> per_point;
    for (const auto& u : universe_.units()) ++per_point[u.faults.front().at];
    std::vector<std::uint64_t> counts;
    for (auto& [p, n] : per_point) counts.push_back(n);
    // e[k]: ways to pick k distinct points and a unit at each (elementary symmetric sums).
    std::vector<std::uint64_t> e(max_ + 1, 0);
    e[0] = 1;
    auto sat_add = [](std::uint64_t a, std::uint64_t b) {
      return a > UINT64_MAX - b ? UINT64_MAX : a + b;
    };
    auto sat_mul = [](std::uint64_t a, std::uint64_t b) {
      return b && a > UINT64_MAX / b ? UINT64_MAX : a * b;
    };
    for (std::uint64_t n : counts)
      for (std::size_t k = max_; k >= 1; --k) e[k] = sat_add(e[k], sat_mul(e[k - 1], n));
    std::uint64_t total = 0;
    for (std::size_t k = 1; k <= max_; ++k) total = sat_add(total, e[k]);
    return total;
  }

 private:
  void next_size(std::size_t size) {
    size_ = size;
    index_.resize(size);
    for (std::size_t i = 0; i < size; ++i) index_[i] = i;
  }
  // The next combination of `size_` unit indices in lexicographic order; false after the last.
  bool advance() {
    const std::size_t n = universe_.units().size();
    for (std::size_t i = size_; i-- > 0;) {
      if (index_[i] < n - size_ + i) {
        ++index_[i];
        for (std::size_t j = i + 1; j < size_; ++j) index_[j] = index_[j - 1] + 1;
        return true;
      }
    }
    return false;
  }

  Universe universe_;
  std::uint32_t max_;
  bool started_ = false;
  std::size_t size_ = 0;
  std::vector<std::size_t> index_;
};

}  // namespace

std::unique_ptr<ExhaustiveStrategy> make_exhaustive_strategy(const FaultSpace& space,
                                                             std::vector<std::string> node_names,
                                                             std::vector<std::string> workload) {
  return std::make_unique<Exhaustive>(space, std::move(node_names), std::move(workload));
}

}  // namespace fissure
