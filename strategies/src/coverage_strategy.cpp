// Coverage-guided search, after AFL: a queue of plans whose runs showed a signature not seen
// before; each proposal mutates a queued plan, chosen with an energy that favours the
// signatures seen least, so the search spends its runs where behaviour was new.
#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "coverage_strategy.hpp"
#include "fissure/strategies/strategy.hpp"

namespace fissure {

namespace {

class CoverageStrategy : public Strategy {
 public:
  CoverageStrategy(const FaultSpace& space, std::vector<std::string> nodes, std::uint64_t seed,
                   std::vector<std::string> workload)
      : own_(std::make_unique<Universe>(space, std::move(nodes), std::move(workload))),
        universe_(*own_),
        max_(space.max),
        rng_(seed) {}
  CoverageStrategy(const Universe& shared, std::uint64_t seed)
      : universe_(shared), max_(shared.space().max), rng_(seed) {}
  std::string_view name() const override { return "coverage"; }

  void observe(const Observation& o) override {
    if (own_) own_->learn(o.points);
    proposed_.insert(o.plan.canonical().id());
    auto seen = seen_.try_emplace(o.signature, 0).first;
    if (++seen->second > 1) return;
    // A plan of faults outside this space (none, for the fault-free run) is queued as the
    // empty plan: mutants of it add a fault.
    auto units = universe_.decompose(o.plan).value_or(std::vector<std::size_t>{});
    queue_.push_back({std::move(units), seen});
  }

  std::optional<FaultPlan> propose() override {
    if (queue_.empty() || universe_.units().empty()) return std::nullopt;
    // Draws that find nothing new are taken back (see Strategy::propose).
    const std::mt19937_64 before = rng_;
    std::vector<double> energy;
    for (const auto& e : queue_) energy.push_back(1.0 / static_cast<double>(e.seen->second));
    std::discrete_distribution<std::size_t> pick(energy.begin(), energy.end());
    for (int attempt = 0; attempt < 1000; ++attempt) {
      std::vector<std::size_t> units = queue_[pick(rng_)].units;
      // A few mutations stacked, as AFL's havoc stage does: one is most likely.
      const int rounds = 1 + static_cast<int>(draw(4) == 0);
      for (int i = 0; i < rounds; ++i) mutate(units);
      if (units.empty() || units.size() > max_) continue;
      std::vector<const FaultPlan*> chosen;
      for (std::size_t u : units) chosen.push_back(&universe_.units()[u]);
      auto plan = combine(chosen);
      if (plan && proposed_.insert(plan->canonical().id()).second) return plan;
    }
    rng_ = before;
    return std::nullopt;
  }

 private:
  struct Entry {
    std::vector<std::size_t> units;
    std::map<std::string, std::size_t>::const_iterator seen;  // its signature, and its runs
  };

  std::size_t draw(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_); }

  // The unit like `u` (same kind, errno, delay, heal and cut) at another point, if any.
  std::optional<std::size_t> like_at(std::size_t u, const InjectionPoint& p) const {
    const FaultPlan& model = universe_.units()[u];
    for (std::size_t v : universe_.at(p)) {
      FaultPlan moved = universe_.units()[v];
      for (auto& f : moved.faults) f.at = model.faults.front().at;
      if (moved.faults == model.faults) return v;
    }
    return std::nullopt;
  }

  // Add or remove a fault, move one to a neighbouring point (the call before or after of the
  // same node, operation and peer), change its kind, or its errno or delay.
  void mutate(std::vector<std::size_t>& units) {
    const auto& all = universe_.units();
    switch (units.empty() ? 0 : draw(5)) {
      case 0:
        units.push_back(draw(all.size()));
        break;
      case 1:
        units.erase(units.begin() + static_cast<std::ptrdiff_t>(draw(units.size())));
        break;
      case 2: {
        std::size_t& u = units[draw(units.size())];
        InjectionPoint p = all[u].faults.front().at;
        p.k = draw(2) == 0 ? p.k + 1 : (p.k > 1 ? p.k - 1 : p.k + 1);
        if (auto v = like_at(u, p)) u = *v;
        break;
      }
      case 3: {  // another unit at the same point: another kind
        std::size_t& u = units[draw(units.size())];
        const auto& here = universe_.at(all[u].faults.front().at);
        u = here[draw(here.size())];
        break;
      }
      default: {  // the same kind with another errno, delay or heal
        std::size_t& u = units[draw(units.size())];
        std::vector<std::size_t> same;
        for (std::size_t v : universe_.at(all[u].faults.front().at))
          if (all[v].faults.front().kind == all[u].faults.front().kind &&
              all[v].faults.size() == all[u].faults.size())
            same.push_back(v);
        u = same[draw(same.size())];
        break;
      }
    }
    std::sort(units.begin(), units.end());
    units.erase(std::unique(units.begin(), units.end()), units.end());
  }

  std::unique_ptr<Universe> own_;  // null when another strategy keeps it
  const Universe& universe_;
  std::uint32_t max_;
  std::mt19937_64 rng_;
  std::vector<Entry> queue_;
  std::map<std::string, std::size_t> seen_;  // runs per signature
  std::set<std::string> proposed_;
};

}  // namespace

std::unique_ptr<Strategy> make_coverage_strategy(const FaultSpace& space,
                                                 std::vector<std::string> node_names,
                                                 std::uint64_t seed,
                                                 std::vector<std::string> workload) {
  return std::make_unique<CoverageStrategy>(space, std::move(node_names), seed,
                                            std::move(workload));
}

std::unique_ptr<Strategy> make_coverage_strategy(const Universe& shared, std::uint64_t seed) {
  return std::make_unique<CoverageStrategy>(shared, seed);
}

}  // namespace fissure
