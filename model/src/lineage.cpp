#include "fissure/model/lineage.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <boost/graph/dominator_tree.hpp>
#include <boost/graph/push_relabel_max_flow.hpp>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <unordered_map>
#include <unordered_set>

namespace fissure {

constexpr std::string_view kReplicaKey = "a copy in one of ";  // outcome_keys()

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

}  // namespace

std::uint64_t window_start(const Trace& t) {
  std::uint64_t start = std::numeric_limits<std::uint64_t>::max();
  for (const Event& e : t.events)
    if (e.node < t.nodes.size() && t.nodes[e.node].workload) start = std::min(start, e.time_ns);
  return start == std::numeric_limits<std::uint64_t>::max() ? 0 : start;
}

std::vector<std::string> outcome_keys(const Trace& t, const std::vector<std::uint64_t>& outcomes) {
  // Answers are numbered per workload node, in the order of all the trace's outcome events.
  std::map<std::uint64_t, std::size_t> number;
  std::map<std::uint32_t, std::size_t> answers;
  for (std::uint64_t e : outcome_events(t))
    if (t.events[e].point.op != OpClass::FileWrite) number[e] = ++answers[t.events[e].node];
  std::vector<std::string> out;
  for (std::uint64_t outcome : outcomes) {
    const Event& o = t.events.at(outcome);
    if (o.point.op == OpClass::FileWrite) {
      out.push_back(is_replica_file(t, o.point.peer)
                        ? fmt::format("{}{}", kReplicaKey, fmt::join(t.replica_files, ", "))
                        : fmt::format("last write to {}", o.point.peer));
      continue;
    }
    // An event that is no outcome event is numbered after the answers before it.
    std::size_t n = 0;
    if (auto it = number.find(outcome); it != number.end()) {
      n = it->second;
    } else {
      for (auto& [e, k] : number)
        if (e <= outcome && t.events[e].node == o.node) n = k;
    }
    out.push_back(fmt::format("{} answer #{}", t.nodes.at(o.node).name, n));
  }
  return out;
}

std::string outcome_key(const Trace& t, std::uint64_t outcome) {
  return outcome_keys(t, {outcome}).front();
}

bool is_replica_outcome(std::string_view key) { return key.starts_with(kReplicaKey); }

bool is_replica_file(const Trace& t, const std::string& file) {
  return std::ranges::find(t.replica_files, file) != t.replica_files.end();
}

std::vector<std::uint64_t> outcome_events(const Trace& t) {
  std::map<std::int32_t, std::uint64_t> last_on_channel;
  std::map<std::string, std::uint64_t> last_write;  // to each file the spec names
  // A named file's writes count while the workload runs: a service's log line written while
  // the oracle looks is not what the workload was told.
  std::uint64_t workload_end = 0;
  for (const NodeRecord& n : t.nodes)
    if (n.workload) workload_end = std::max(workload_end, n.end_ns);
  for (const Event& e : t.events) {
    if (e.node < t.nodes.size() && t.nodes[e.node].workload && is_receive(e) && e.channel >= 0 &&
        between_nodes(t, e))
      last_on_channel[e.channel] = e.id;  // events of one thread come in program order
    if (e.point.op == OpClass::FileWrite && e.moved > 0 &&
        (workload_end == 0 || e.time_ns <= workload_end) &&
        (std::ranges::find(t.outcome_files, e.point.peer) != t.outcome_files.end() ||
         is_replica_file(t, e.point.peer)))
      last_write[e.point.peer] = e.id;
  }
  // A replica's copy is gone with the replica: one the run crashed after it wrote is no
  // outcome (restarted or not, as Molly's persistence rule has it).
  auto crashed_after = [&](std::uint64_t write) {
    for (const FiredFault& f : t.fired)
      if (f.fault < t.plan.faults.size() && t.plan.faults[f.fault].kind == FaultKind::Crash &&
          f.event < t.events.size() && t.events[f.event].node == t.events[write].node &&
          f.event > write)
        return true;
    return false;
  };
  std::erase_if(last_write, [&](const auto& kv) {
    return is_replica_file(t, kv.first) && crashed_after(kv.second);
  });
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
// closer than this are merged, which only makes supports larger. On 31 redis-wait
// traces, 2 ms split a pass and lost a replica's stream; 10 ms kept them all.
constexpr std::uint64_t kPassGapNs = 10'000'000;

constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
constexpr std::uint64_t kNoEvent = std::numeric_limits<std::uint64_t>::max();

// What the walk needs to know about a trace's conversations, computed once for all its
// outcomes: each event's pass, each endpoint's events per channel, the dialog block each act
// answers, and which receives were served on their own channel.
class Conversations {
 public:
  explicit Conversations(const CommGraph& g)
      : g_(g),
        t_(g.trace()),
        window_(window_start(t_)),
        pass_(t_.events.size()),
        at_(t_.events.size(), 0),
        dialog_(t_.events.size(), kNone),
        dialog_len_(t_.events.size(), 0),
        origin_(t_.events.size(), kNoEvent) {
    std::unordered_set<std::uint64_t> delayed;  // a delay fault moved their start, not a wait
    for (const FiredFault& f : t_.fired)
      if (f.fault < t_.plan.faults.size() && t_.plan.faults[f.fault].kind == FaultKind::Delay)
        delayed.insert(f.event);
    struct Thread {
      std::uint32_t pass = 0;   // its current pass
      std::uint64_t first = 0;  // its first event
      std::uint64_t done = 0;   // when its last event was over
      std::uint32_t block = kNone;
      bool sent = false;        // a send since its last receive
      bool first_block = true;  // still in the first block of its first pass
      bool in_window = true;    // its first event is in the workload's window
    };
    std::unordered_map<std::int32_t, Thread> threads;
    std::uint32_t passes = 0;
    for (const Event& e : t_.events) {
      auto [it, first_event] = threads.try_emplace(e.tid);
      Thread& th = it->second;
      if (first_event) {
        pass_[e.id] = passes++;
        th.first = e.id;
        th.in_window = e.time_ns >= window_;
      } else if (e.time_ns > th.done + kPassGapNs && !delayed.contains(e.id)) {
        pass_[e.id] = passes++;
        th.block = kNone;
        th.sent = false;
        th.first_block = false;
      } else {
        pass_[e.id] = th.pass;
      }
      th.pass = pass_[e.id];
      th.done = done_at(e);
      // The dialog, forwards: a receive after a send starts a new block of receives; an act
      // answers the latest block of its pass.
      if (is_receive(e)) {
        if (th.block == kNone || th.sent) {
          if (th.sent) th.first_block = false;
          th.block = static_cast<std::uint32_t>(blocks_.size());
          blocks_.emplace_back();
        }
        blocks_[th.block].push_back(e.id);
        th.sent = false;
      } else {
        dialog_[e.id] = th.block;
        // Only what was read before it: the block may grow after a fork, say.
        if (th.block != kNone)
          dialog_len_[e.id] = static_cast<std::uint32_t>(blocks_[th.block].size());
        if (th.first_block && th.in_window) origin_[e.id] = th.first;
        th.sent = th.sent || is_send(e);
      }
      if (e.channel >= 0) {
        auto& list = by_endpoint_[key(e)];
        at_[e.id] = list.size();
        list.push_back(e.id);
      }
    }
    // A receive its node answered on the same channel within the same pass is a request
    // served on its own (a PING and its PONG), not something the node was waiting for. More
    // reads of the same request, and calls that moved nothing, may come before the answer.
    std::vector<bool> served(t_.events.size(), false);
    for (const auto& [endpoint, list] : by_endpoint_) {
      std::optional<std::uint64_t> answer;  // the next send of this pass, scanning backwards
      for (std::size_t i = list.size(); i-- > 0;) {
        const Event& x = t_.events[list[i]];
        if (i + 1 < list.size() && !same_pass(x.id, list[i + 1])) answer.reset();
        if (is_send(x))
          answer = x.id;
        else if (is_receive(x))
          served[x.id] = answer.has_value();
        else if (x.moved > 0)
          answer.reset();
      }
    }
    for (const Event& e : t_.events)
      if (is_receive(e) && e.channel >= 0 && !served[e.id]) {
        if (e.node >= unserved_.size()) unserved_.resize(e.node + 1);
        unserved_[e.node].push_back(e.id);  // in id order
      }
  }

  std::uint64_t window() const { return window_; }
  bool same_pass(std::uint64_t a, std::uint64_t b) const { return pass_[a] == pass_[b]; }

  // The receives of the block an act answers; and when that block is the first of its
  // thread, the thread's first event (whose fork the act then depends on), else kNoEvent.
  std::span<const std::uint64_t> dialog(std::uint64_t act) const {
    if (dialog_[act] == kNone) return {};
    return std::span(blocks_[dialog_[act]]).first(dialog_len_[act]);
  }
  std::uint64_t thread_origin(std::uint64_t act) const { return origin_[act]; }

  // What the same endpoint did on the channel before `e`, newest first.
  template <class F>
  void before_on_channel(const Event& e, F&& f) const {
    const auto& list = by_endpoint_.at(key(e));
    for (std::size_t i = at_[e.id]; i-- > 0;)
      if (!f(t_.events[list[i]])) return;
  }

  // Receives of `node` with ids strictly between `from` and `to` that were not served on
  // their own channel.
  std::span<const std::uint64_t> unserved_between(std::uint32_t node, std::uint64_t from,
                                                  std::uint64_t to) const {
    if (node >= unserved_.size()) return {};
    const auto& all = unserved_[node];
    auto lo = std::upper_bound(all.begin(), all.end(), from);
    auto hi = std::lower_bound(lo, all.end(), to);
    return {lo, hi};
  }

  // The server's side of a connection: its sends answer what the client sent it.
  bool accepting_side(const Event& e) const {
    if (e.channel < 0 || static_cast<std::size_t>(e.channel) >= t_.channels.size()) return false;
    ChannelKind k = t_.channels[e.channel].kind;
    return (k == ChannelKind::Tcp || k == ChannelKind::UnixStream) && e.dir == EventDir::BtoA;
  }

 private:
  // A node's endpoint of a channel: both ends of a pipe or a loopback connection inside one
  // node are kept apart.
  static std::uint64_t key(const Event& e) {
    bool sends = sys_info(e.sys).has(kSend);
    bool side_b = e.dir == EventDir::None ? false : (e.dir == EventDir::AtoB) != sends;
    return (static_cast<std::uint64_t>(e.node) << 33) | (static_cast<std::uint64_t>(side_b) << 32) |
           static_cast<std::uint32_t>(e.channel);
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
  std::uint64_t window_;
  std::vector<std::uint32_t> pass_;
  std::vector<std::size_t> at_;  // place in its endpoint's list
  std::unordered_map<std::uint64_t, std::vector<std::uint64_t>> by_endpoint_;
  std::vector<std::vector<std::uint64_t>> blocks_;  // dialog blocks of receives
  std::vector<std::uint32_t> dialog_;               // per act: its block, or kNone
  std::vector<std::uint32_t> dialog_len_;           // per act: how much of it came before
  std::vector<std::uint64_t> origin_;
  std::vector<std::vector<std::uint64_t>> unserved_;  // per node
};

Support walk(const CommGraph& g, const Conversations& conv, std::uint64_t outcome,
             std::vector<std::uint64_t>& stamp) {
  const Trace& t = g.trace();
  const auto& graph = g.graph();
  const std::uint64_t window = conv.window();
  Support s;
  s.outcome = outcome;
  std::vector<bool> seen(g.size(), false);
  std::vector<std::uint64_t> work{outcome};
  seen[outcome] = true;
  // stamp[c] == v + 1: c is already a cause of v (each v is expanded once per walk).
  std::fill(stamp.begin(), stamp.end(), 0);
  auto visit = [&](std::uint64_t cause, std::uint64_t effect, bool remembered = false) {
    if (t.events[cause].time_ns < window || stamp[cause] == effect + 1) return;
    stamp[cause] = effect + 1;
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
    // The dialog of an event loop: what this pass had just read when it acted.
    for (std::uint64_t r : conv.dialog(v)) visit(r, v);
    // A thread's first acts depend on the fork that made it.
    if (std::uint64_t first = conv.thread_origin(v); first != kNoEvent)
      for (auto [it, end] = boost::in_edges(first, graph); it != end; ++it)
        if (graph[*it].kind == OrderKind::Fork) visit(boost::source(*it, graph), v);
    if (!is_send(e) || e.channel < 0) continue;
    // The conversation: a send answers what its endpoint received on the same channel since
    // it last sent there, even passes ago (a request the server kept waiting, like WAIT).
    // A client's send only does when this pass read the channel: a client's timer sends
    // (PINGs, periodic ACKs) do not answer the last reply, or heartbeats would chain back to
    // the start of the run.
    std::vector<std::uint64_t> pending;  // newest first
    conv.before_on_channel(e, [&](const Event& x) {
      if (x.time_ns < window || is_send(x)) return false;
      if (is_receive(x)) pending.push_back(x.id);
      return true;
    });
    if (pending.empty() || (!conv.accepting_side(e) && !conv.same_pass(pending.front(), v)))
      continue;
    for (std::uint64_t r : pending) visit(r, v, true);
    // While the request was pending, what the node heard on other channels and did not
    // answer there may be what it waited for (the replicas' ACKs a WAIT counts). Requests it
    // served on their own channel (a sentinel's PING) are other conversations.
    for (std::uint64_t x : conv.unserved_between(e.node, pending.back(), v))
      if (t.events[x].channel != e.channel) visit(x, v);
  }
  std::sort(s.events.begin(), s.events.end());
  for (std::uint64_t v : s.events) {
    const Event& e = t.events[v];
    s.nodes.insert(t.nodes.at(e.node).name);
    if (is_send(e) && between_nodes(t, e)) s.messages.insert(e.point);
  }
  return s;
}

}  // namespace

std::vector<Support> supports_of(const CommGraph& g, const std::vector<std::uint64_t>& outcomes) {
  const Conversations conv(g);
  std::vector<std::uint64_t> stamp(g.size(), 0);
  std::vector<Support> out;
  for (std::uint64_t o : outcomes) out.push_back(walk(g, conv, o, stamp));
  return out;
}

Support support_of(const CommGraph& g, std::uint64_t outcome) {
  return supports_of(g, {outcome}).front();
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
  const std::vector<std::uint64_t> outcomes = outcome_events(t);
  const std::vector<std::string> keys = outcome_keys(t, outcomes);
  const std::vector<Support> supports = supports_of(g, outcomes);
  for (std::size_t i = 0; i < supports.size(); ++i)
    added += supports_[keys[i]].insert(supports[i].messages).second;
  return added;
}

}  // namespace fissure
