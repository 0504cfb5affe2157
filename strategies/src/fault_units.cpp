#include <algorithm>
#include <cerrno>

#include "fissure/strategies/strategy.hpp"

namespace fissure {

namespace {

bool allows(const FaultSpace& space, FaultKind k) {
  return std::find(space.kinds.begin(), space.kinds.end(), k) != space.kinds.end();
}

FaultPlan single(Fault f) {
  return FaultPlan{{std::move(f)}};
}

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
    // Two cuts, from this call on, each lasting every length in `heals`: the faulting node
    // alone against everyone else; and, for a service node, the node with the workload's
    // nodes against the other services (Jepsen's partition of a primary with its clients
    // from its replicas and the nodes that elect a new one).
    const bool is_workload = std::find(workload.begin(), workload.end(), p.node) != workload.end();
    std::vector<std::vector<std::vector<std::string>>> shapes;
    std::vector<std::string> others, services;
    for (const auto& n : node_names)
      if (n != p.node) {
        others.push_back(n);
        if (std::find(workload.begin(), workload.end(), n) == workload.end()) services.push_back(n);
      }
    shapes.push_back({{p.node}, others});
    if (!is_workload && !workload.empty() && services.size() > 1) {
      std::vector<std::string> side{p.node};
      side.insert(side.end(), workload.begin(), workload.end());
      shapes.push_back({side, services});
    }
    for (const auto& groups : shapes)
      for (auto heal : space.heals) {
        Fault f = at(FaultKind::Partition);
        f.groups = groups;
        f.heal_ms = static_cast<std::uint32_t>(heal.count());
        out.push_back(single(f));
      }
  }
  return out;
}

}  // namespace fissure
