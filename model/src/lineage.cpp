#include "fissure/model/lineage.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/graph/dominator_tree.hpp>
#include <boost/graph/push_relabel_max_flow.hpp>
#include <limits>
#include <map>
#include <span>
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
  if (o.point.op == OpClass::FileWrite) return fmt::format("last write to {}", o.point.peer);
  std::size_t n = 0;
  for (std::uint64_t e : outcome_events(t))
    if (t.events[e].node == o.node && e <= outcome) ++n;
  return fmt::format("{} answer #{}", t.nodes.at(o.node).name, n);
}

std::vector<std::uint64_t> outcome_events(const Trace& t) {
  std::map<std::int32_t, std::uint64_t> last_on_channel;
  std::map<std::string, std::uint64_t> last_write;  // to each file the spec names
  for (const Event& e : t.events) {
    if (e.node < t.nodes.size() && t.nodes[e.node].workload && is_receive(e) && e.channel >= 0 &&
        between_nodes(t, e))
      last_on_channel[e.channel] = e.id;  // events of one thread come in program order
    if (e.point.op == OpClass::FileWrite && e.moved > 0 &&
        std::ranges::find(t.outcome_files, e.point.peer) != t.outcome_files.end())
      last_write[e.point.peer] = e.id;
  }
  std::vector<std::uint64_t> out;
  for (auto [channel, id] : last_on_channel) out.push_back(id);
  for (auto [file, id] : last_write) out.push_back(id);
  std::sort(out.begin(), out.end());
  return out;
}

namespace {

// Two events of a thread more than this apart belong to different passes of its loop: the
// thread waited in between for something the tracer does not see (epoll_wait, a timer).
// Stops within a pass are tens of microseconds apart, but a node may compute for a while
// (a Redis replica loading its snapshot: 7 ms here); timers fire at 100 ms and more. Passes
// closer than this are merged, which only makes supports larger. On 31 redis-replication
// traces, 2 ms split a pass and lost a replica's stream; 10 ms kept them all.
constexpr std::uint64_t kPassGapNs = 10'000'000;

// What the walk needs to know about conversations: which pass of its thread each event
// belongs to, and each node's events per channel, in order.
class Conversations {
 public:
  explicit Conversations(const CommGraph& g)
      : g_(g),
        t_(g.trace()),
        pass_(t_.events.size()),
        at_(t_.events.size()),
        node_at_(t_.events.size()) {
    const Trace& t = t_;
    std::unordered_map<std::int32_t, std::uint64_t> last_of_tid;  // tid -> last event
    std::unordered_map<std::int32_t, std::uint64_t> end_of_tid;   // tid -> when it was done
    std::uint32_t passes = 0;
    for (const Event& e : t.events) {
      auto last = last_of_tid.find(e.tid);
      if (last == last_of_tid.end() || e.time_ns > end_of_tid[e.tid] + kPassGapNs)
        pass_[e.id] = passes++;
      else
        pass_[e.id] = pass_[last->second];
      last_of_tid[e.tid] = e.id;
      end_of_tid[e.tid] = done_at(e);
      if (e.node >= by_node_.size()) by_node_.resize(e.node + 1);
      node_at_[e.id] = by_node_[e.node].size();
      by_node_[e.node].push_back(e.id);
      if (e.channel >= 0) {
        auto& list = by_channel_[key(e.node, e.channel)];
        at_[e.id] = list.size();
        list.push_back(e.id);
      }
    }
  }

  bool same_pass(std::uint64_t a, std::uint64_t b) const { return pass_[a] == pass_[b]; }

  // The node's events on `e`'s channel, in order, and `e`'s place among them.
  const std::vector<std::uint64_t>& on_channel(const Event& e) const {
    return by_channel_.at(key(e.node, e.channel));
  }
  std::size_t place(const Event& e) const { return at_[e.id]; }

  // The node's events after `from` and before `to`, both its own.
  std::span<const std::uint64_t> between(const Event& from, const Event& to) const {
    const auto& all = by_node_[to.node];
    return std::span(all).subspan(node_at_[from.id] + 1, node_at_[to.id] - node_at_[from.id] - 1);
  }

  // A receive its node answered on the same channel within the same pass: a request served
  // on its own (a PING and its PONG), not an answer to something the node was waiting for.
  bool served(const Event& r) const {
    const auto& list = on_channel(r);
    std::size_t i = place(r) + 1;
    return i < list.size() && is_send(t_.events[list[i]]) && same_pass(r.id, list[i]);
  }

  // The server's side of a connection: its sends answer what the client sent it.
  bool accepting_side(const Event& e) const {
    if (e.channel < 0 || static_cast<std::size_t>(e.channel) >= t_.channels.size()) return false;
    ChannelKind k = t_.channels[e.channel].kind;
    return (k == ChannelKind::Tcp || k == ChannelKind::UnixStream) && e.dir == EventDir::BtoA;
  }

 private:
  static std::uint64_t key(std::uint32_t node, std::int32_t channel) {
    return (static_cast<std::uint64_t>(node) << 32) | static_cast<std::uint32_t>(channel);
  }
  // When a call was over. A receive whose result was inferred has no exit time, but it
  // cannot have returned before the bytes it got were sent: that is when a blocking read
  // was woken, so what its thread did next belongs to the same pass.
  std::uint64_t done_at(const Event& e) const {
    if (!e.inferred) return std::max(e.time_ns, e.end_ns);
    std::uint64_t done = e.time_ns;
    const auto& graph = g_.graph();
    for (auto [it, end] = boost::in_edges(e.id, graph); it != end; ++it)
      if (graph[*it].kind != OrderKind::Program)
        done = std::max(done, t_.events[boost::source(*it, graph)].time_ns);
    return done;
  }

  const CommGraph& g_;
  const Trace& t_;
  std::vector<std::uint32_t> pass_;
  std::vector<std::size_t> at_;
  std::vector<std::vector<std::uint64_t>> by_node_;
  std::vector<std::size_t> node_at_;
  std::unordered_map<std::uint64_t, std::vector<std::uint64_t>> by_channel_;
};

}  // namespace

Support support_of(const CommGraph& g, std::uint64_t outcome) {
  const Trace& t = g.trace();
  const auto& graph = g.graph();
  const Conversations conv(g);
  const std::uint64_t window = window_start(t);
  Support s;
  s.outcome = outcome;
  std::vector<bool> seen(g.size(), false);
  std::vector<std::uint64_t> work{outcome};
  seen[outcome] = true;
  auto visit = [&](std::uint64_t cause, std::uint64_t effect, bool remembered = false) {
    if (t.events[cause].time_ns < window) return;
    s.because.push_back({cause, effect, remembered});
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
    const std::size_t found_here = s.because.size();
    // The dialog of an event loop: back over this pass's block of acts, then its block of
    // receives, which is what the thread had just read.
    bool collecting = false;
    std::optional<std::uint64_t> p = g.program_predecessor(v), first = v;
    while (p && t.events[*p].time_ns >= window && conv.same_pass(*p, v)) {
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
    if (!is_send(e) || e.channel < 0) continue;
    // The conversation: a send answers what its node received on the same channel since it
    // last sent there, even passes ago (a request the server kept waiting, like WAIT).
    // A client's send only does when this pass read the channel: a client's timer sends
    // (PINGs, periodic ACKs) do not answer the last reply, or heartbeats would chain back to
    // the start of the run.
    const auto& mine = conv.on_channel(e);
    std::vector<std::uint64_t> pending;  // newest first
    for (std::size_t i = conv.place(e); i-- > 0;) {
      const Event& x = t.events[mine[i]];
      if (x.time_ns < window || is_send(x)) break;
      if (is_receive(x)) pending.push_back(x.id);
    }
    if (pending.empty() || (!conv.accepting_side(e) && !conv.same_pass(pending.front(), v)))
      continue;
    auto found = [&](std::uint64_t cause) {  // already a cause of v, found by its dialog
      return std::any_of(s.because.begin() + static_cast<std::ptrdiff_t>(found_here),
                         s.because.end(), [&](const auto& d) { return d.cause == cause; });
    };
    for (std::uint64_t r : pending)
      if (!found(r)) visit(r, v, true);
    // While the request was pending, what the node heard on other channels and did not
    // answer there may be what it waited for (the replicas' ACKs a WAIT counts). Requests it
    // served on their own channel (a sentinel's PING) are other conversations.
    for (std::uint64_t x : conv.between(t.events[pending.back()], e)) {
      const Event& o = t.events[x];
      if (o.channel >= 0 && o.channel != e.channel && is_receive(o) && !conv.served(o) && !found(x))
        visit(x, v);
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
  for (auto [cause, effect, remembered] : s.because) {
    if (remembered) continue;
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
  // Only what the outcome reaches takes part: Boost's Lengauer-Tarjan gets unreachable
  // vertices with edges into the reachable part wrong (an event that only a remembered
  // request leads to is one).
  const std::size_t root = sg.vertex_of.at(s.outcome);
  std::vector<std::vector<std::size_t>> causes(n);
  for (const auto& a : sg.arcs) causes[a.to].push_back(a.from);
  std::vector<bool> reached(n, false);
  std::vector<std::size_t> todo{root};
  reached[root] = true;
  while (!todo.empty()) {
    std::size_t v = todo.back();
    todo.pop_back();
    for (std::size_t c : causes[v])
      if (!reached[c]) {
        reached[c] = true;
        todo.push_back(c);
      }
  }
  using Rev = boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS>;
  Rev rev(n + 1);
  const std::size_t exit = n;
  for (std::size_t v = 0; v < n; ++v) {
    if (!reached[v]) continue;
    for (std::size_t c : causes[v]) boost::add_edge(v, c, rev);
    if (causes[v].empty()) boost::add_edge(v, exit, rev);
  }
  std::vector<std::size_t> idom(n + 1, std::numeric_limits<std::size_t>::max());
  auto index = boost::get(boost::vertex_index, rev);
  auto idom_map = boost::make_iterator_property_map(idom.begin(), index);
  boost::lengauer_tarjan_dominator_tree(rev, root, idom_map);
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
