#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <stdexcept>

#include "fissure/strategies/strategy.hpp"

namespace fissure {

namespace {

bool allows(const FaultSpace& space, FaultKind k) {
  return std::find(space.kinds.begin(), space.kinds.end(), k) != space.kinds.end();
}

FaultPlan single(Fault f) {
  return FaultPlan{{std::move(f)}};
}

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

// Units for all points, in the order points were first seen.
class Universe {
 public:
  Universe(FaultSpace space, std::vector<std::string> nodes, std::vector<std::string> workload)
      : space_(std::move(space)), nodes_(std::move(nodes)), workload_(std::move(workload)) {}
  // Adds the units of points not seen before; returns how many units were added.
  std::size_t learn(const std::vector<InjectionPoint>& points) {
    std::size_t before = units_.size();
    for (const auto& p : points)
      if (seen_.insert(p).second)
        for (auto& u : fault_units(p, space_, nodes_, workload_)) units_.push_back(std::move(u));
    return units_.size() - before;
  }
  const std::vector<FaultPlan>& units() const { return units_; }

 private:
  FaultSpace space_;
  std::vector<std::string> nodes_;
  std::vector<std::string> workload_;
  std::set<InjectionPoint> seen_;
  std::vector<FaultPlan> units_;
};

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

std::vector<FaultPlan> fault_units(const InjectionPoint& p, const FaultSpace& space,
                                   const std::vector<std::string>& node_names,
                                   const std::vector<std::string>& workload) {
  std::vector<FaultPlan> out;
  if (std::find(space.nodes.begin(), space.nodes.end(), p.node) == space.nodes.end()) return out;
  const bool file = p.op == OpClass::FileWrite || p.op == OpClass::Fsync;
  const bool message = p.op == OpClass::Send || p.op == OpClass::Recv;
  auto at = [&](FaultKind k) {
    Fault f;
    f.kind = k;
    f.at = p;
    return f;
  };
  if (allows(space, FaultKind::Crash))
    for (bool after : {false, true}) {
      Fault f = at(FaultKind::Crash);
      f.after = after;
      out.push_back(single(f));
      if (allows(space, FaultKind::Restart) &&
          std::find(workload.begin(), workload.end(), p.node) == workload.end()) {
        Fault r;
        r.kind = FaultKind::Restart;
        r.node = p.node;
        r.delay_ms = 100;
        out.push_back(FaultPlan{{f, r}});
      }
    }
  if (allows(space, FaultKind::Error) && !file)
    for (int err : space.errnos) {
      Fault f = at(FaultKind::Error);
      f.err = err;
      out.push_back(single(f));
    }
  if (allows(space, FaultKind::Drop) && message) out.push_back(single(at(FaultKind::Drop)));
  if (allows(space, FaultKind::Delay))
    for (auto d : space.delays) {
      Fault f = at(FaultKind::Delay);
      f.delay_ms = static_cast<std::uint32_t>(d.count());
      out.push_back(single(f));
    }
  if (allows(space, FaultKind::Disk) && file)
    for (int err : {EIO, ENOSPC}) {
      Fault f = at(FaultKind::Disk);
      f.err = err;
      out.push_back(single(f));
    }
  if (allows(space, FaultKind::Partition) && message && node_names.size() > 1) {
    // The simplest cut: the faulting node alone against everyone else, from this call on.
    Fault f = at(FaultKind::Partition);
    std::vector<std::string> others;
    for (const auto& n : node_names)
      if (n != p.node) others.push_back(n);
    f.groups = {{p.node}, others};
    out.push_back(single(f));
  }
  return out;
}

std::unique_ptr<Strategy> make_random_strategy(const FaultSpace& space,
                                               std::vector<std::string> node_names,
                                               std::uint64_t seed,
                                               std::vector<std::string> workload) {
  return std::make_unique<RandomStrategy>(space, std::move(node_names), seed, std::move(workload));
}

std::unique_ptr<ExhaustiveStrategy> make_exhaustive_strategy(const FaultSpace& space,
                                                             std::vector<std::string> node_names,
                                                             std::vector<std::string> workload) {
  return std::make_unique<Exhaustive>(space, std::move(node_names), std::move(workload));
}

std::unique_ptr<Strategy> make_strategy(std::string_view name, const FaultSpace& space,
                                        std::vector<std::string> node_names, std::uint64_t seed,
                                        std::vector<std::string> workload) {
  if (name == "random")
    return make_random_strategy(space, std::move(node_names), seed, std::move(workload));
  if (name == "exhaustive")
    return make_exhaustive_strategy(space, std::move(node_names), std::move(workload));
  throw std::invalid_argument(fmt::format("'{}' is not a strategy (random, exhaustive)", name));
}

}  // namespace fissure
