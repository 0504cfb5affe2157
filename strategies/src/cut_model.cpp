#include "cut_model.hpp"

#include "fissure/model/lineage.hpp"

#include <algorithm>

namespace fissure {

namespace {

CutModel::Cut cut_of(const FaultPlan& unit) {
  const Fault& f = unit.faults.front();
  switch (f.kind) {
    case FaultKind::Error:
    case FaultKind::Drop:
    case FaultKind::Disk:
      return CutModel::Cut::AtPoint;
    case FaultKind::Crash:
      return f.after ? CutModel::Cut::CrashAfter : CutModel::Cut::CrashBefore;
    case FaultKind::Partition:
      return CutModel::Cut::Partition;
    case FaultKind::Delay:
    case FaultKind::Restart:
      return CutModel::Cut::None;
  }
  return CutModel::Cut::None;
}

bool separate_sides(const Fault& partition, const std::string& a, const std::string& b) {
  auto group = [&](const std::string& n) -> int {
    for (std::size_t g = 0; g < partition.groups.size(); ++g)
      if (std::find(partition.groups[g].begin(), partition.groups[g].end(), n) !=
          partition.groups[g].end())
        return static_cast<int>(g);
    return -1;
  };
  int ga = group(a), gb = group(b);
  return ga >= 0 && gb >= 0 && ga != gb;
}

}  // namespace

CutModel::CutModel(FaultSpace space, std::vector<std::string> nodes,
                   std::vector<std::string> workload)
    : universe_(std::move(space), std::move(nodes), std::move(workload)) {}

std::uint32_t CutModel::intern(const InjectionPoint& p) {
  auto [it, fresh] = id_.try_emplace(p, static_cast<std::uint32_t>(points_.size()));
  if (fresh) {
    points_.push_back(p);
    position_.push_back(0);
    seed_.emplace_back();
    auto [n, added] = node_id_.try_emplace(p.node, static_cast<std::uint32_t>(faultable_.size()));
    if (added) faultable_.push_back(false);
    node_of_.push_back(n->second);
  }
  return it->second;
}

std::vector<std::uint32_t> CutModel::ids(const std::vector<InjectionPoint>& points) {
  std::set<std::uint32_t> out;
  for (const auto& p : points) out.insert(intern(p));
  return {out.begin(), out.end()};
}

void CutModel::place(const std::vector<InjectionPoint>& points) {
  std::map<std::string, std::uint32_t> last;  // per node, the last point of this run placed
  std::set<std::string> touched;
  for (const auto& p : points) {
    const std::size_t before = points_.size();
    const std::uint32_t id = intern(p);
    auto& order = order_[p.node];
    if (id >= before) {  // new: just after this run's previous point of the node
      auto prev = last.find(p.node);
      auto at = prev == last.end() ? order.begin()
                                   : std::find(order.begin(), order.end(), prev->second) + 1;
      order.insert(at, id);
      touched.insert(p.node);
    }
    last[p.node] = id;
  }
  for (const auto& n : touched) {
    const auto& order = order_[n];
    for (std::uint32_t i = 0; i < order.size(); ++i) position_[order[i]] = i;
  }
}

std::size_t CutModel::learn(const Observation& o) {
  const std::size_t known = points_.size();
  universe_.learn(o.points);
  place(o.points);  // before the units' points are interned: place() orders the new ones
  while (info_.size() < universe_.units().size()) {
    const FaultPlan& u = universe_.units()[info_.size()];
    info_.push_back(
        {cut_of(u), intern(u.faults.front().at), u.faults.front().kind == FaultKind::Crash});
    faultable_[node_of_[info_.back().point]] = true;
  }
  // Points first seen now, under faults, carry the faults that fired: a hypothesis at such a
  // point must make it exist again.
  if (!o.plan.faults.empty()) {
    FaultPlan fired;
    for (std::size_t i = 0; i < o.plan.faults.size(); ++i)
      if (std::find(o.unreached.begin(), o.unreached.end(), i) == o.unreached.end())
        fired.faults.push_back(o.plan.faults[i]);
    auto seed = universe_.decompose(fired);
    if (seed)
      for (std::uint32_t id = static_cast<std::uint32_t>(known); id < points_.size(); ++id)
        seed_[id] = *seed;
  }
  for (const auto& p : o.datagram_receives)
    for (std::size_t u : universe_.at(p))
      if (universe_.units()[u].faults.front().kind == FaultKind::Drop) unfireable_.insert(u);
  std::size_t added = 0;
  // A bad run's outcomes are no way to the good one.
  if (o.verdict != VerdictKind::Good) return added;
  for (const auto& out : o.outcomes) {
    if (!out.reached) continue;
    Outcome& known_out = outcomes_[out.key];
    known_out.node = out.node;
    std::vector<std::uint32_t> precise = ids(out.precise), sound = ids(out.sound);
    if (is_replica_outcome(out.key)) {  // the copy lasts while its replica does
      const std::uint32_t end = end_of(out.node);
      for (auto* s : {&precise, &sound}) s->insert(std::upper_bound(s->begin(), s->end(), end), end);
    }
    added += known_out.precise.insert(std::move(precise)).second;
    known_out.sound.insert(std::move(sound));
  }
  return added;
}

std::uint32_t CutModel::end_of(const std::string& node) {
  // k = 0 names no call (calls count from 1), so no fault unit lands on it.
  return intern({node, OpClass::Send, "(up to the end of the run)", 0});
}

std::size_t CutModel::supports() const {
  std::size_t n = 0;
  for (const auto& [key, o] : outcomes_) n += o.precise.size();
  return n;
}

bool CutModel::separates(std::size_t unit, const std::string& a, const std::string& b) const {
  return separate_sides(universe_.units()[unit].faults.front(), a, b);
}

bool CutModel::usable(std::size_t unit) const {
  if (unfireable_.count(unit)) return false;
  for (std::size_t s : seed_[info_[unit].point])
    if (unfireable_.count(s)) return false;
  return info_[unit].cut != Cut::None;
}

bool CutModel::cuts(std::size_t unit, std::uint32_t premise, Scope scope,
                    const std::string& own) const {
  const UnitInfo& u = info_[unit];
  const InjectionPoint& at = points_[u.point];
  const InjectionPoint& p = points_[premise];
  if (is_end(premise))
    return u.crash && at.node == p.node &&
           !(scope == Scope::Omission || (scope == Scope::NotOwnNode && at.node == own));
  switch (u.cut) {
    case Cut::None:
      return false;
    case Cut::AtPoint:
      return u.point == premise;
    case Cut::CrashBefore:
    case Cut::CrashAfter:
      if (scope == Scope::Omission || (scope == Scope::NotOwnNode && at.node == own)) return false;
      if (at.node != p.node) return false;
      return u.cut == Cut::CrashBefore ? position_[u.point] <= position_[premise]
                                       : position_[u.point] < position_[premise];
    case Cut::Partition:
      return at.node == p.node && position_[u.point] <= position_[premise] &&
             (p.op == OpClass::Send || p.op == OpClass::Recv || p.op == OpClass::Connect) &&
             separates(unit, p.node, p.peer);
  }
  return false;
}

bool CutModel::breaks(const std::vector<std::size_t>& h, Lineage lineage, Scope scope) const {
  // What the hypothesis cuts, so that each premise is one lookup: the points it fails, and
  // per node the first position a crash of it cuts.
  std::set<std::uint32_t> at;
  std::map<std::string, std::uint32_t> crashed_from;
  std::vector<std::size_t> partitions;
  std::vector<bool> touched(faultable_.size(), false);  // per node: some unit of h is on it
  for (std::size_t u : h) {
    const UnitInfo& i = info_[u];
    touched[node_of_[i.point]] = true;
    const std::string& node = points_[i.point].node;
    if (i.cut == Cut::AtPoint) at.insert(i.point);
    if (i.cut == Cut::CrashBefore || i.cut == Cut::CrashAfter) {
      std::uint32_t from = position_[i.point] + (i.cut == Cut::CrashAfter ? 1 : 0);
      auto [it, fresh] = crashed_from.try_emplace(node, from);
      if (!fresh) it->second = std::min(it->second, from);
    }
    if (i.cut == Cut::Partition) partitions.push_back(u);
  }
  for (const auto& [key, o] : outcomes_) {
    const auto& supports = lineage == Lineage::Precise ? o.precise : o.sound;
    if (supports.empty()) continue;
    auto cut = [&](std::uint32_t p) {
      if (!touched[node_of_[p]]) return false;
      if (at.count(p)) return true;
      const InjectionPoint& pt = points_[p];
      if (scope == Scope::All || (scope == Scope::NotOwnNode && pt.node != o.node)) {
        auto c = crashed_from.find(pt.node);
        if (c != crashed_from.end() && (is_end(p) || position_[p] >= c->second)) return true;
      }
      if (is_end(p)) return false;
      for (std::size_t u : partitions)
        if (cuts(u, p, scope, o.node)) return true;
      return false;
    };
    bool all = std::all_of(supports.begin(), supports.end(), [&](const auto& s) {
      return std::any_of(s.begin(), s.end(), cut);
    });
    if (all) return true;
  }
  return false;
}

bool CutModel::minimal(const std::vector<std::size_t>& h) const {
  for (std::size_t i = 0; i < h.size(); ++i) {
    std::vector<std::size_t> less;
    for (std::size_t j = 0; j < h.size(); ++j)
      if (j != i) less.push_back(h[j]);
    // A unit that only seeds another cannot go without it.
    bool seeds_other = false;
    for (std::size_t u : less)
      for (std::size_t s : seed_[info_[u].point]) seeds_other |= s == h[i];
    if (!seeds_other && breaks(less, Lineage::Sound, Scope::All)) return false;
  }
  return true;
}

}  // namespace fissure
