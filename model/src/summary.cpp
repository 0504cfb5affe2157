#include "fissure/model/summary.hpp"

#include <fmt/format.h>

#include <set>

namespace fissure {

namespace {
std::string describe_end(const NodeRecord& n) {
  switch (n.end) {
    case NodeEnd::Exited:
      return fmt::format("exited {}", n.exit_code);
    case NodeEnd::Signaled:
      return fmt::format("died of signal {}", n.signal);
    case NodeEnd::Killed:
      return "killed at teardown";
    case NodeEnd::Running:
      return "running";
    case NodeEnd::NotStarted:
      return "not started";
  }
  return "?";
}
}  // namespace

TraceSummary summarize(const Trace& t) {
  TraceSummary s;
  s.events = t.events.size();
  s.edges = t.edges.size();
  std::vector<std::set<std::int32_t>> pids(t.nodes.size()), tids(t.nodes.size());
  for (const auto& n : t.nodes) s.nodes.push_back({n.name, 0, 0, 0, describe_end(n)});
  for (const auto& c : t.channels) ++s.channels_by_kind[std::string(to_string(c.kind))];
  std::map<std::pair<std::string, std::string>, PairTraffic> pairs;
  for (const auto& e : t.events) {
    if (e.node >= s.nodes.size()) continue;
    ++s.nodes[e.node].events;
    pids[e.node].insert(e.pid);
    tids[e.node].insert(e.tid);
    if (e.channel < 0 || e.moved <= 0 || !sys_info(e.sys).has(kSend)) continue;
    const Channel& ch = t.channels[e.channel];
    std::string to;
    if (ch.kind == ChannelKind::File) {
      to = "(file)";
    } else {
      std::int32_t peer = e.dir == EventDir::AtoB ? ch.node_b : ch.node_a;
      to = peer >= 0 ? t.nodes[peer].name : "(untraced)";
    }
    auto& p = pairs[{t.nodes[e.node].name, to}];
    p.from = t.nodes[e.node].name;
    p.to = to;
    ++p.messages;
    p.bytes += static_cast<std::uint64_t>(e.moved);
  }
  for (std::size_t i = 0; i < s.nodes.size(); ++i) {
    s.nodes[i].processes = pids[i].size();
    s.nodes[i].threads = tids[i].size();
  }
  for (auto& [k, p] : pairs) s.traffic.push_back(p);
  return s;
}

std::string format_summary(const Trace& t, const TraceSummary& s) {
  std::string out =
      fmt::format("target {}: {} events, {} causal edges, {:.3f}s\n", t.target, s.events, s.edges,
                  static_cast<double>(t.end_ns - t.start_ns) / 1e9);
  out += "nodes:\n";
  for (const auto& n : s.nodes)
    out += fmt::format("  {:<12} {:>7} events  {:>3} proc {:>3} thr  {}\n", n.name, n.events,
                       n.processes, n.threads, n.end);
  out += "channels:";
  for (const auto& [k, n] : s.channels_by_kind) out += fmt::format(" {} {}", n, k);
  out += "\ntraffic (sender -> receiver: messages, bytes):\n";
  for (const auto& p : s.traffic)
    out += fmt::format("  {:<12} -> {:<12} {:>7} msgs {:>10} bytes\n", p.from, p.to, p.messages,
                       p.bytes);
  return out;
}

}  // namespace fissure
