// The communication graph of one run: a vertex per event, edges for program order within a
// thread and for every causal edge the tracer derived (messages, datagrams, pipes, connect,
// fork, end of stream). Happens-before is reachability in this graph.
#pragma once

#include <boost/graph/adjacency_list.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fissure/tracer/trace.hpp"

namespace fissure {

enum class OrderKind : std::uint8_t { Program, Message, Datagram, Pipe, Connect, Fork, Eof };
std::string_view to_string(OrderKind k);

class CommGraph {
 public:
  struct EdgeProps {
    OrderKind kind = OrderKind::Program;
  };
  // Vertex i is Trace::events[i]; vecS keeps that correspondence and the memory linear.
  using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS,
                                      boost::no_property, EdgeProps>;

  explicit CommGraph(const Trace& t);

  const Graph& graph() const { return g_; }
  const Trace& trace() const { return *trace_; }
  std::size_t size() const { return boost::num_vertices(g_); }

  // a happens before b: a path leads from a to b (a != b).
  bool happens_before(std::uint64_t a, std::uint64_t b) const;
  bool concurrent(std::uint64_t a, std::uint64_t b) const {
    return a != b && !happens_before(a, b) && !happens_before(b, a);
  }
  // Every event that happens before `e`, in increasing id order.
  std::vector<std::uint64_t> causal_past(std::uint64_t e) const;
  // The events in an order that respects every edge.
  std::vector<std::uint64_t> topological_order() const;
  // The event just before `e` in its thread, if any.
  std::optional<std::uint64_t> program_predecessor(std::uint64_t e) const;

 private:
  const Trace* trace_;
  Graph g_;
};

// Vector clocks at the granularity of a "lane": a thread of a node, named "node" for a
// node's only thread and "node.N" (N from 1, by first appearance) when a node has several.
struct LaneClocks {
  std::vector<std::string> lanes;            // lane names
  std::vector<std::uint32_t> lane_of_event;  // per event
  // Per event, the non-zero components as (lane, count), sorted by lane.
  std::vector<std::vector<std::pair<std::uint32_t, std::uint32_t>>> clocks;
};
LaneClocks lane_clocks(const CommGraph& g);

}  // namespace fissure
