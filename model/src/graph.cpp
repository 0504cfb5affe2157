#include "fissure/model/graph.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <boost/graph/topological_sort.hpp>
#include <map>
#include <stdexcept>
#include <unordered_map>

namespace fissure {

namespace {

constexpr std::array<std::string_view, 7> kOrderKinds = {"program", "message", "datagram", "pipe",
                                                         "connect", "fork",    "eof"};

OrderKind order_kind(EdgeKind k) {
  switch (k) {
    case EdgeKind::Message:
      return OrderKind::Message;
    case EdgeKind::Datagram:
      return OrderKind::Datagram;
    case EdgeKind::Pipe:
      return OrderKind::Pipe;
    case EdgeKind::Connect:
      return OrderKind::Connect;
    case EdgeKind::Fork:
      return OrderKind::Fork;
    case EdgeKind::Eof:
      return OrderKind::Eof;
  }
  return OrderKind::Message;
}

}  // namespace

std::string_view to_string(OrderKind k) {
  return kOrderKinds.at(static_cast<std::size_t>(k));
}

CommGraph::CommGraph(const Trace& t) : trace_(&t), g_(t.events.size()) {
  // Program order: consecutive events of one thread, by their per-thread sequence number.
  std::unordered_map<std::int32_t, std::uint64_t> last_of_thread;
  std::vector<std::uint64_t> by_thread_seq(t.events.size());
  for (std::size_t i = 0; i < t.events.size(); ++i) by_thread_seq[i] = i;
  std::stable_sort(by_thread_seq.begin(), by_thread_seq.end(),
                   [&](std::uint64_t a, std::uint64_t b) {
                     const Event &x = t.events[a], &y = t.events[b];
                     return std::tie(x.tid, x.seq) < std::tie(y.tid, y.seq);
                   });
  for (std::size_t i = 1; i < by_thread_seq.size(); ++i) {
    const Event &prev = t.events[by_thread_seq[i - 1]], &cur = t.events[by_thread_seq[i]];
    if (prev.tid == cur.tid) boost::add_edge(prev.id, cur.id, EdgeProps{OrderKind::Program}, g_);
  }
  for (const Edge& e : t.edges) {
    if (e.from >= t.events.size() || e.to >= t.events.size())
      throw std::invalid_argument(
          fmt::format("trace edge {} -> {} names an event that does not exist", e.from, e.to));
    boost::add_edge(e.from, e.to, EdgeProps{order_kind(e.kind)}, g_);
  }
}

bool CommGraph::happens_before(std::uint64_t a, std::uint64_t b) const {
  if (a == b) return false;
  std::vector<bool> seen(size(), false);
  std::vector<std::uint64_t> stack{a};
  seen[a] = true;
  while (!stack.empty()) {
    std::uint64_t v = stack.back();
    stack.pop_back();
    for (auto [it, end] = boost::out_edges(v, g_); it != end; ++it) {
      std::uint64_t w = boost::target(*it, g_);
      if (w == b) return true;
      if (!seen[w]) {
        seen[w] = true;
        stack.push_back(w);
      }
    }
  }
  return false;
}

std::vector<std::uint64_t> CommGraph::causal_past(std::uint64_t e) const {
  std::vector<bool> seen(size(), false);
  std::vector<std::uint64_t> stack{e}, past;
  while (!stack.empty()) {
    std::uint64_t v = stack.back();
    stack.pop_back();
    for (auto [it, end] = boost::in_edges(v, g_); it != end; ++it) {
      std::uint64_t u = boost::source(*it, g_);
      if (!seen[u]) {
        seen[u] = true;
        past.push_back(u);
        stack.push_back(u);
      }
    }
  }
  std::sort(past.begin(), past.end());
  return past;
}

std::vector<std::uint64_t> CommGraph::topological_order() const {
  std::vector<std::uint64_t> reversed;
  reversed.reserve(size());
  try {
    boost::topological_sort(g_, std::back_inserter(reversed));
  } catch (const boost::not_a_dag&) {
    throw std::runtime_error(
        "the trace's causal edges form a cycle: it is not a consistent record");
  }
  return {reversed.rbegin(), reversed.rend()};
}

std::optional<std::uint64_t> CommGraph::program_predecessor(std::uint64_t e) const {
  for (auto [it, end] = boost::in_edges(e, g_); it != end; ++it)
    if (g_[*it].kind == OrderKind::Program) return boost::source(*it, g_);
  return std::nullopt;
}

LaneClocks lane_clocks(const CommGraph& g) {
  const Trace& t = g.trace();
  LaneClocks out;
  // Lanes: threads, named after their node.
  std::map<std::int32_t, std::uint32_t> lane_of_tid;
  std::vector<std::vector<std::int32_t>> tids_of_node(t.nodes.size());
  for (const Event& e : t.events)
    if (!lane_of_tid.contains(e.tid) && e.node < t.nodes.size()) {
      lane_of_tid[e.tid] = 0;
      tids_of_node[e.node].push_back(e.tid);
    }
  for (std::size_t n = 0; n < t.nodes.size(); ++n)
    for (std::size_t i = 0; i < tids_of_node[n].size(); ++i) {
      lane_of_tid[tids_of_node[n][i]] = static_cast<std::uint32_t>(out.lanes.size());
      out.lanes.push_back(tids_of_node[n].size() == 1
                              ? t.nodes[n].name
                              : fmt::format("{}.{}", t.nodes[n].name, i + 1));
    }
  out.lane_of_event.resize(t.events.size());
  for (const Event& e : t.events) out.lane_of_event[e.id] = lane_of_tid.at(e.tid);
  // Clocks in topological order: the join of the predecessors', then one tick of one's own.
  out.clocks.resize(t.events.size());
  const auto& graph = g.graph();
  for (std::uint64_t v : g.topological_order()) {
    std::map<std::uint32_t, std::uint32_t> clock;
    for (auto [it, end] = boost::in_edges(v, graph); it != end; ++it)
      for (auto [lane, count] : out.clocks[boost::source(*it, graph)])
        clock[lane] = std::max(clock[lane], count);
    ++clock[out.lane_of_event[v]];
    out.clocks[v].assign(clock.begin(), clock.end());
  }
  return out;
}

}  // namespace fissure
