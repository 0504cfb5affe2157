#include "fissure/model/lineage.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/graph/dominator_tree.hpp>
#include <boost/graph/push_relabel_max_flow.hpp>
#include <limits>
#include <map>
#include <unordered_map>

namespace fissure {

namespace {

bool is_receive(const Event& e) {
  return sys_info(e.sys).has(kRecv) && e.moved > 0;
}
bool is_send(const Event& e) {
  return sys_info(e.sys).has(kSend) && e.moved > 0;
}

bool between_nodes(const Trace& t, const Event& e) {
  if (e.point.empty() || e.point.peer == e.point.node) return false;
  return !t.node_index(e.point.peer) ? e.point.peer.find(':') != std::string::npos : true;
}

std::uint64_t window_start(const Trace& t) {
  std::uint64_t start = std::numeric_limits<std::uint64_t>::max();
  for (const Event& e : t.events)
    if (e.node < t.nodes.size() && t.nodes[e.node].workload) start = std::min(start, e.time_ns);
  return start == std::numeric_limits<std::uint64_t>::max() ? 0 : start;
}

}  // namespace

std::string outcome_key(const Trace& t, std::uint64_t outcome) {
  const Event& o = t.events.at(outcome);
  std::size_t n = 0;
  for (std::uint64_t e : outcome_events(t))
    if (t.events[e].node == o.node && e <= outcome) ++n;
  return fmt::format("{} answer #{}", t.nodes.at(o.node).name, n);
}

std::vector<std::uint64_t> outcome_events(const Trace& t) {
  std::map<std::int32_t, std::uint64_t> last_on_channel;
  for (const Event& e : t.events)
    if (e.node < t.nodes.size() && t.nodes[e.node].workload && is_receive(e) && e.channel >= 0 &&
        between_nodes(t, e))
      last_on_channel[e.channel] = e.id;  // events of one thread come in program order
  std::vector<std::uint64_t> out;
  for (auto [channel, id] : last_on_channel) out.push_back(id);
  std::sort(out.begin(), out.end());
  return out;
}

Support support_of(const CommGraph& g, std::uint64_t outcome) {
  const Trace& t = g.trace();
  const auto& graph = g.graph();
  const std::uint64_t window = window_start(t);
  Support s;
  s.outcome = outcome;
  std::vector<bool> seen(g.size(), false);
  std::vector<std::uint64_t> work{outcome};
  seen[outcome] = true;
  auto visit = [&](std::uint64_t cause, std::uint64_t effect) {
    if (t.events[cause].time_ns < window) return;
    s.because.emplace_back(cause, effect);
    if (!seen[cause]) {
      seen[cause] = true;
      work.push_back(cause);
    }
  };
  while (!work.empty()) {
    std::uint64_t v = work.back();
    work.pop_back();
    const Event& e = t.events[v];
    s.events.push_back(v);
    if (is_receive(e)) {  // the bytes came from these sends
      for (auto [it, end] = boost::in_edges(v, graph); it != end; ++it)
        if (graph[*it].kind != OrderKind::Program) visit(boost::source(*it, graph), v);
      continue;
    }
    // A send (or another act): back over this thread's block of acts, then its block of
    // receives, which is what the thread had just read.
    bool collecting = false;
    std::optional<std::uint64_t> p = g.program_predecessor(v), first = v;
    while (p && t.events[*p].time_ns >= window) {
      const Event& prev = t.events[*p];
      if (is_receive(prev)) {
        collecting = true;
        visit(*p, v);
      } else if (collecting && is_send(prev)) {
        break;
      }
      first = p;
      p = g.program_predecessor(*p);
    }
    if (!p && first) {  // the thread's first event: it depends on the fork that made it
      for (auto [it, end] = boost::in_edges(*first, graph); it != end; ++it)
        if (graph[*it].kind == OrderKind::Fork) visit(boost::source(*it, graph), v);
    }
  }
  std::sort(s.events.begin(), s.events.end());
  for (std::uint64_t v : s.events) {
    const Event& e = t.events[v];
    s.nodes.insert(t.nodes.at(e.node).name);
    if (is_send(e) && between_nodes(t, e)) s.messages.insert(e.point);
  }
  return s;
}

namespace {

// The support as a graph of its own: its events, program order between consecutive support
// events of a thread, and the causal edges between them.
struct SupportGraph {
  using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS>;
  Graph g;
  std::vector<std::uint64_t> event_of;  // vertex -> event
  std::unordered_map<std::uint64_t, std::size_t> vertex_of;
  struct Arc {
    std::size_t from, to;
    bool message;
  };
  std::vector<Arc> arcs;
};

SupportGraph support_graph(const CommGraph& cg, const Support& s) {
  const Trace& t = cg.trace();
  SupportGraph sg;
  sg.event_of = s.events;
  for (std::size_t i = 0; i < s.events.size(); ++i) sg.vertex_of[s.events[i]] = i;
  sg.g = SupportGraph::Graph(s.events.size());
  for (auto [cause, effect] : s.because) {
    const Event& c = t.events[cause];
    bool message = is_send(c) && between_nodes(t, c) && is_receive(t.events[effect]);
    std::size_t from = sg.vertex_of.at(cause), to = sg.vertex_of.at(effect);
    boost::add_edge(from, to, sg.g);
    sg.arcs.push_back({from, to, message});
  }
  return sg;
}

}  // namespace

std::vector<std::uint64_t> dominating_messages(const CommGraph& cg, const Support& s) {
  SupportGraph sg = support_graph(cg, s);
  const std::size_t n = sg.event_of.size();
  // Reverse the support, rooted at the outcome, with one exit joining every event that has no
  // cause inside the support: what dominates the exit lies on every path to the outcome.
  using Rev = boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS>;
  Rev rev(n + 1);
  const std::size_t exit = n;
  std::vector<bool> has_cause(n, false);
  for (const auto& a : sg.arcs) {
    boost::add_edge(a.to, a.from, rev);
    has_cause[a.to] = true;
  }
  for (std::size_t v = 0; v < n; ++v)
    if (!has_cause[v]) boost::add_edge(v, exit, rev);
  std::vector<std::size_t> idom(n + 1, std::numeric_limits<std::size_t>::max());
  auto index = boost::get(boost::vertex_index, rev);
  auto idom_map = boost::make_iterator_property_map(idom.begin(), index);
  boost::lengauer_tarjan_dominator_tree(rev, sg.vertex_of.at(s.outcome), idom_map);
  std::vector<std::uint64_t> out;
  const Trace& t = cg.trace();
  for (std::size_t v = idom[exit]; v < n; v = idom[v]) {
    std::uint64_t e = sg.event_of[v];
    if (is_send(t.events[e]) && between_nodes(t, t.events[e])) out.push_back(e);
    if (e == s.outcome) break;
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::size_t min_message_cut(const CommGraph& cg, const Support& s, std::uint64_t from,
                            std::uint64_t to) {
  SupportGraph sg = support_graph(cg, s);
  if (!sg.vertex_of.contains(from) || !sg.vertex_of.contains(to) || from == to) return 0;
  using Traits = boost::adjacency_list_traits<boost::vecS, boost::vecS, boost::directedS>;
  using Flow = boost::adjacency_list<
      boost::vecS, boost::vecS, boost::directedS, boost::no_property,
      boost::property<
          boost::edge_capacity_t, long,
          boost::property<boost::edge_residual_capacity_t, long,
                          boost::property<boost::edge_reverse_t, Traits::edge_descriptor>>>>;
  Flow f(sg.event_of.size());
  auto capacity = boost::get(boost::edge_capacity, f);
  auto reverse = boost::get(boost::edge_reverse, f);
  // Only messages can be lost: each costs 1 to cut; program order and the rest cannot be cut.
  const long uncuttable = static_cast<long>(sg.arcs.size()) + 1;
  for (const auto& a : sg.arcs) {
    auto [e, ok1] = boost::add_edge(a.from, a.to, f);
    auto [r, ok2] = boost::add_edge(a.to, a.from, f);
    capacity[e] = a.message ? 1 : uncuttable;
    capacity[r] = 0;
    reverse[e] = r;
    reverse[r] = e;
  }
  long flow = boost::push_relabel_max_flow(f, sg.vertex_of.at(from), sg.vertex_of.at(to));
  return flow >= uncuttable ? std::numeric_limits<std::size_t>::max()
                            : static_cast<std::size_t>(flow);
}

std::size_t Redundancy::add(const Trace& t) {
  CommGraph g(t);
  std::size_t added = 0;
  for (std::uint64_t o : outcome_events(t)) {
    Support s = support_of(g, o);
    added += supports_[outcome_key(t, o)].insert(s.messages).second;
  }
  return added;
}

}  // namespace fissure
