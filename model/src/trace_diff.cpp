#include "fissure/model/trace_diff.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <numeric>

#include "fissure/model/lineage.hpp"

namespace fissure {
namespace {

bool is_message_send(const Trace& t, const Event& e) {
  if (e.point.op != OpClass::Send || e.moved <= 0) return false;
  auto peer = t.node_index(e.point.peer);
  return peer && *peer != e.node;
}

std::uint64_t window_end(const Trace& t) {
  std::uint64_t end = 0;
  for (const NodeRecord& n : t.nodes)
    if (n.workload) end = std::max(end, n.end_ns);
  return end == 0 ? std::numeric_limits<std::uint64_t>::max() : end;
}

}  // namespace

std::vector<TraceMessage> window_messages(const Trace& t) {
  const std::uint64_t start = window_start(t), end = window_end(t);
  std::map<std::uint64_t, std::vector<std::uint64_t>> receives;  // by send
  for (const Edge& e : t.edges)
    if ((e.kind == EdgeKind::Message || e.kind == EdgeKind::Datagram ||
         e.kind == EdgeKind::Pipe) &&
        t.events[e.to].node != t.events[e.from].node)
      receives[e.from].push_back(e.to);
  std::vector<TraceMessage> out;
  for (const Event& e : t.events) {
    if (e.time_ns < start || e.time_ns > end || !is_message_send(t, e)) continue;
    TraceMessage m{e.id, {}};
    if (auto it = receives.find(e.id); it != receives.end()) m.receives = it->second;
    std::ranges::sort(m.receives);
    out.push_back(std::move(m));
  }
  return out;
}

TraceDiff diff_traces(const Trace& baseline, const Trace& run) {
  TraceDiff d;
  std::map<InjectionPoint, std::uint64_t> run_at;  // each point of the run, its event
  std::map<InjectionPoint, bool> run_sent;         // sends that delivered bytes unchanged
  for (const Event& e : run.events) {
    if (e.point.empty()) continue;
    run_at.emplace(e.point, e.id);
    if (e.point.op == OpClass::Send) run_sent[e.point] = e.moved > 0 && !e.injected;
  }
  std::map<InjectionPoint, std::uint64_t> base_at;
  for (const Event& e : baseline.events)
    if (!e.point.empty()) base_at.emplace(e.point, e.id);
  d.baseline_of.resize(run.events.size());
  for (const Event& e : run.events)
    if (auto it = base_at.find(e.point); !e.point.empty() && it != base_at.end())
      d.baseline_of[e.id] = it->second;

  // The baseline in time order, each event with the last event before it (itself included)
  // that the run has too: where a missing message goes in the run's picture.
  std::vector<std::uint64_t> order(baseline.events.size());
  std::iota(order.begin(), order.end(), 0);
  std::ranges::stable_sort(order, {}, [&](std::uint64_t i) { return baseline.events[i].time_ns; });
  std::vector<std::optional<std::uint64_t>> anchor(baseline.events.size());
  std::optional<std::uint64_t> last;
  for (std::uint64_t i : order) {
    const Event& e = baseline.events[i];
    if (auto it = run_at.find(e.point); !e.point.empty() && it != run_at.end()) last = it->second;
    anchor[i] = last;
  }

  for (TraceMessage& m : window_messages(baseline)) {
    auto sent = run_sent.find(baseline.events[m.send].point);
    if (sent != run_sent.end() && sent->second) continue;
    TraceDiff::Missing miss;
    miss.send_after = anchor[m.send];
    if (!m.receives.empty()) miss.receive_after = anchor[m.receives.front()];
    miss.message = std::move(m);
    d.missing.push_back(std::move(miss));
  }
  for (const TraceMessage& m : window_messages(run))
    if (!base_at.contains(run.events[m.send].point)) d.added.push_back(m.send);
  return d;
}

}  // namespace fissure
