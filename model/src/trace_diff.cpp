#include "fissure/model/trace_diff.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <numeric>
#include <set>
#include <string>
#include <tuple>
#include <utility>

#include "fissure/model/lineage.hpp"

namespace fissure {
namespace {

bool is_message_send(const Trace& t, const Event& e) {
  if (e.point.op != OpClass::Send || e.moved <= 0) return false;
  auto peer = t.node_index(e.point.peer);
  return peer && *peer != e.node;
}

// A send as the same act in another run of the target: on the n-th channel of its kind
// between the same two nodes at the same address (channels are numbered as they were made),
// from the same node, the i-th send there that moved bytes. Injection points number a node's
// calls to a peer over all its connections, so a run whose connections interleave otherwise,
// or that sends more on one and less on another, would match other messages.
using ChannelKey = std::tuple<int, std::int32_t, std::int32_t, std::string, std::size_t>;
using SendKey = std::tuple<int, std::int32_t, std::int32_t, std::string, std::size_t, std::uint32_t,
                           std::size_t>;

// Each channel as the same channel in another run: its kind, its two nodes, its address, and
// how many channels of that kind were made between them at that address before it.
std::vector<ChannelKey> channel_keys(const Trace& t) {
  std::map<std::tuple<int, std::int32_t, std::int32_t, std::string>, std::size_t> made;
  std::vector<ChannelKey> out;
  for (const Channel& ch : t.channels)
    out.emplace_back(static_cast<int>(ch.kind), ch.node_a, ch.node_b, ch.label,
                     made[{static_cast<int>(ch.kind), ch.node_a, ch.node_b, ch.label}]++);
  return out;
}

bool on_channel(const Trace& t, const Event& e) {
  return e.channel >= 0 && static_cast<std::size_t>(e.channel) < t.channels.size();
}

std::map<std::uint64_t, SendKey> send_keys(const Trace& t, const std::vector<ChannelKey>& ch) {
  std::map<std::pair<std::int32_t, std::uint32_t>, std::size_t> sent;  // per channel and node
  std::map<std::uint64_t, SendKey> out;
  for (const Event& e : t.events) {
    if (!is_message_send(t, e) || !on_channel(t, e)) continue;
    const auto& [kind, a, b, label, ordinal] = ch[static_cast<std::size_t>(e.channel)];
    out[e.id] = {kind, a, b, label, ordinal, e.node, sent[{e.channel, e.node}]++};
  }
  return out;
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
    if ((e.kind == EdgeKind::Message || e.kind == EdgeKind::Datagram || e.kind == EdgeKind::Pipe) &&
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
  for (const Event& e : run.events)
    if (!e.point.empty()) run_at.emplace(e.point, e.id);
  // Keys name nodes by their index in the spec, the same in both traces.
  const auto base_channels = channel_keys(baseline), run_channels = channel_keys(run);
  const auto base_keys = send_keys(baseline, base_channels),
             run_keys = send_keys(run, run_channels);
  // The thread of each node that first used each of the run's channels, by the channel's key.
  std::map<std::pair<ChannelKey, std::uint32_t>, std::int32_t> run_tid;
  for (const Event& e : run.events)
    if (on_channel(run, e))
      run_tid.try_emplace({run_channels[static_cast<std::size_t>(e.channel)], e.node}, e.tid);
  auto tid_in_run = [&](std::uint64_t base_event) -> std::optional<std::int32_t> {
    const Event& e = baseline.events[base_event];
    if (!on_channel(baseline, e)) return std::nullopt;
    auto it = run_tid.find({base_channels[static_cast<std::size_t>(e.channel)], e.node});
    if (it == run_tid.end()) return std::nullopt;
    return it->second;
  };
  std::map<SendKey, bool> run_sent;  // sends that delivered bytes unchanged
  for (const auto& [id, key] : run_keys) run_sent[key] = !run.events[id].injected;
  std::set<SendKey> base_sent;
  for (const auto& [id, key] : base_keys) base_sent.insert(key);
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
    auto key = base_keys.find(m.send);
    auto sent = key == base_keys.end() ? run_sent.end() : run_sent.find(key->second);
    if (sent != run_sent.end() && sent->second) continue;
    TraceDiff::Missing miss;
    miss.send_after = anchor[m.send];
    miss.send_tid = tid_in_run(m.send);
    if (!m.receives.empty()) {
      miss.receive_after = anchor[m.receives.front()];
      miss.receive_tid = tid_in_run(m.receives.front());
    }
    miss.message = std::move(m);
    d.missing.push_back(std::move(miss));
  }
  for (const TraceMessage& m : window_messages(run))
    if (auto key = run_keys.find(m.send); key == run_keys.end() || !base_sent.contains(key->second))
      d.added.push_back(m.send);
  return d;
}

}  // namespace fissure
