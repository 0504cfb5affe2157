#include "cut_model.hpp"

#include "fissure/model/lineage.hpp"

#include <algorithm>
#include <array>

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

void CutModel::grow() {
  const PointIndex& index = universe_.index();
  for (std::uint32_t n = static_cast<std::uint32_t>(names_.size()); n < index.names(); ++n) {
    const PointName& name = index.name(n);
    NameInfo info;
    auto [it, added] = node_id_.try_emplace(name.node, static_cast<std::uint32_t>(faultable_.size()));
    if (added) faultable_.push_back(false);
    info.node = it->second;
    info.in_space = std::find(universe_.space().nodes.begin(), universe_.space().nodes.end(),
                              name.node) != universe_.space().nodes.end();
    // Which units may land on such a point is the space's, whatever its k: an omission
    // (error, drop, disk) or only the node's crashes and partitions.
    for (const auto& u : fault_units({name.node, name.op, name.peer, 1}, universe_.space(), {"", ""}))
      info.omission |= cut_of(u) == Cut::AtPoint;
    if (name.op == OpClass::Send || name.op == OpClass::Recv || name.op == OpClass::Connect) {
      auto [c, fresh] = channel_id_.try_emplace({name.node, name.peer},
                                                static_cast<std::uint32_t>(channel_id_.size()));
      info.channel = c->second;
    }
    names_.push_back(info);
  }
  for (std::uint32_t id = static_cast<std::uint32_t>(node_of_.size()); id < index.size(); ++id) {
    node_of_.push_back(names_[index.name_of(id)].node);
    position_.push_back(0);
    placed_.push_back(false);
    seed_id_.push_back(0);
    seed_.emplace_back();
  }
}

std::uint32_t CutModel::intern(const InjectionPoint& p) {
  const std::uint32_t id = universe_.index().intern(p).first;
  grow();
  return id;
}

void CutModel::place(const PointList& points, const std::vector<std::uint32_t>& ids) {
  // Per node number, the last point of this run placed. A new point goes just after it (or
  // first, when the node had none yet in this run): noted as its follower, and each touched
  // order is rebuilt once, not searched once per new point.
  constexpr std::uint32_t kNone = PointIndex::kNone;
  std::vector<std::uint32_t> last(faultable_.size(), kNone), first(faultable_.size(), kNone);
  std::map<std::uint32_t, std::uint32_t> follower;  // point -> the new point just after it
  for (std::uint32_t r : points.rows()) {
    const std::uint32_t id = ids[r];
    const std::uint32_t node = node_of_[id];
    if (!placed_[id]) {
      placed_[id] = true;
      ++placed_count_;
      if (last[node] == kNone)
        first[node] = id;
      else
        follower[last[node]] = id;
    }
    last[node] = id;
  }
  for (std::uint32_t node = 0; node < first.size(); ++node)
    if (first[node] != kNone) order_.try_emplace(point(first[node]).node);  // maybe its first
  if (follower.empty() && std::all_of(first.begin(), first.end(),
                                      [](std::uint32_t f) { return f == kNone; }))
    return;
  for (auto& [name, order] : order_) {
    const std::uint32_t node = node_id_.at(name);
    bool touched = first[node] != kNone;
    for (std::size_t i = 0; i < order.size() && !touched; ++i) touched = follower.count(order[i]);
    if (!touched) continue;
    std::vector<std::uint32_t> rebuilt;
    rebuilt.reserve(order.size() + follower.size() + 1);
    auto emit = [&](std::uint32_t id) {  // the point, then the new points after it
      for (; id != kNone;) {
        rebuilt.push_back(id);
        auto f = follower.find(id);
        id = f == follower.end() ? kNone : f->second;
      }
    };
    if (first[node] != kNone) emit(first[node]);
    for (std::uint32_t id : order) emit(id);
    order = std::move(rebuilt);
    for (std::uint32_t i = 0; i < order.size(); ++i) position_[order[i]] = i;
  }
}

std::vector<std::uint32_t> CutModel::support_of(const PointList& lineage,
                                                const std::vector<std::uint32_t>& ids) {
  const PointIndex& index = universe_.index();
  std::vector<std::uint32_t> out, last(faultable_.size(), PointIndex::kNone),
      last_on(channel_id_.size(), PointIndex::kNone);
  auto later = [&](std::uint32_t& best, std::uint32_t id) {
    if (best == PointIndex::kNone || position_[id] > position_[best]) best = id;
  };
  for (std::uint32_t r : lineage.rows()) {
    const std::uint32_t id = ids[r];
    const NameInfo& n = names_[index.name_of(id)];
    if (!n.in_space) continue;
    if (n.omission) out.push_back(id);
    later(last[n.node], id);
    if (n.channel != PointIndex::kNone) later(last_on[n.channel], id);
  }
  for (auto* lasts : {&last, &last_on})
    for (std::uint32_t id : *lasts)
      if (id != PointIndex::kNone) out.push_back(id);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::array<std::size_t, 7> CutModel::extent() const {
  std::size_t precise = 0, sound = 0;
  for (const auto& [key, o] : outcomes_) {
    precise += o.precise.size();
    sound += o.sound.size();
  }
  return {universe_.index().size(), placed_count_, info_.size(), unfireable_.size(),
          outcomes_.size(), precise, sound};
}

std::size_t CutModel::learn(const Observation& o) {
  const auto before = extent();
  const std::size_t added = learn_run(o);
  if (extent() != before) ++generation_;
  return added;
}

std::size_t CutModel::learn_run(const Observation& o) {
  const std::size_t known = universe_.index().size();
  universe_.learn(o.points);
  const std::vector<std::uint32_t> ids = universe_.index().ids(o.points.table());
  grow();
  place(o.points, ids);  // before the units' points are interned: place() orders the new ones
  while (info_.size() < universe_.units().size()) {
    const FaultPlan& u = universe_.units()[info_.size()];
    std::vector<Fault> shape = u.faults;
    for (Fault& f : shape) {
      f.at = {};
      f.after = false;
    }
    auto [it, fresh] = shapes_.try_emplace(std::move(shape), static_cast<std::uint32_t>(shapes_.size()));
    info_.push_back({cut_of(u), intern(u.faults.front().at),
                     u.faults.front().kind == FaultKind::Crash, it->second});
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
    if (seed && known < node_of_.size()) {
      auto [it, fresh] = seed_ids_.try_emplace(*seed, static_cast<std::uint32_t>(seed_ids_.size()));
      for (std::uint32_t id = static_cast<std::uint32_t>(known); id < node_of_.size(); ++id) {
        seed_[id] = *seed;
        seed_id_[id] = it->second;
      }
    }
  }
  const auto& dgram_ids = o.datagram_receives.table() == o.points.table()
                              ? ids
                              : universe_.index().ids(o.datagram_receives.table());
  for (std::uint32_t r : o.datagram_receives.rows())
    for (std::size_t u : universe_.at(dgram_ids[r]))
      if (universe_.units()[u].faults.front().kind == FaultKind::Drop) unfireable_.insert(u);
  std::size_t added = 0;
  // A bad run's outcomes are no way to the good one.
  if (o.verdict != VerdictKind::Good) return added;
  for (const auto& out : o.outcomes) {
    if (!out.reached) continue;
    Outcome& known_out = outcomes_[out.key];
    known_out.node = out.node;
    auto support = [&](const PointList& l) {
      const auto& l_ids = l.table() == o.points.table() ? ids : universe_.index().ids(l.table());
      grow();
      return support_of(l, l_ids);
    };
    std::vector<std::uint32_t> precise = support(out.precise), sound = support(out.sound);
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
  const InjectionPoint& at = point(u.point);
  const InjectionPoint& p = point(premise);
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
    const std::string& node = point(i.point).node;
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
      const InjectionPoint& pt = point(p);
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
