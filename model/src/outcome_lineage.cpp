#include "fissure/model/outcome_lineage.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "fissure/model/graph.hpp"
#include "fissure/model/lineage.hpp"

namespace fissure {

namespace {

PointList points_of(const Trace& t, const std::vector<std::uint64_t>& events,
                    const std::shared_ptr<PointTable>& table) {
  std::set<InjectionPoint> distinct;
  for (std::uint64_t e : events) {
    const Event& ev = t.events[e];
    if (!ev.point.empty() && !ev.injected) distinct.insert(ev.point);
  }
  PointList out(table);
  for (const auto& p : distinct) out.push_back(p);
  return out;
}

}  // namespace

std::vector<std::uint64_t> sound_past(const Trace& t, std::uint64_t outcome) {
  const std::uint64_t window = window_start(t);
  // Per process, its events in the tracer's order; a process's part of the past is a prefix.
  std::map<std::int32_t, std::vector<std::uint64_t>> of_process;
  for (const Event& e : t.events) of_process[e.pid].push_back(e.id);
  std::vector<std::vector<std::uint64_t>> into(t.events.size());
  for (const Edge& e : t.edges)
    if (e.to < into.size()) into[e.to].push_back(e.from);
  std::map<std::int32_t, std::size_t> taken;  // per process: how many of its events are in
  std::vector<std::uint64_t> work{outcome};
  std::vector<std::uint64_t> out;
  while (!work.empty()) {
    const std::uint64_t e = work.back();
    work.pop_back();
    const auto& mine = of_process[t.events[e].pid];
    std::size_t upto = static_cast<std::size_t>(
        std::upper_bound(mine.begin(), mine.end(), e) - mine.begin());
    std::size_t& done = taken[t.events[e].pid];
    for (; done < upto; ++done) {
      const std::uint64_t x = mine[done];
      if (t.events[x].time_ns < window) continue;
      out.push_back(x);
      for (std::uint64_t from : into[x]) work.push_back(from);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<OutcomeLineage> outcome_lineages(const Trace& t) {
  std::vector<OutcomeLineage> out;
  const std::vector<std::uint64_t> outcomes = outcome_events(t);
  if (outcomes.empty()) return out;
  CommGraph g(t);
  std::vector<Support> supports = supports_of(g, outcomes);
  std::vector<std::string> keys = outcome_keys(t, outcomes);
  // A replica's copy also needs its replica up to the end of the run: the strategies add
  // that premise themselves, as no call names it (see is_replica_outcome()).
  auto table = std::make_shared<PointTable>();
  for (std::size_t i = 0; i < outcomes.size(); ++i)
    out.push_back({keys[i], t.nodes.at(t.events[outcomes[i]].node).name, true,
                   points_of(t, supports[i].events, table),
                   points_of(t, sound_past(t, outcomes[i]), table)});
  return out;
}

}  // namespace fissure
