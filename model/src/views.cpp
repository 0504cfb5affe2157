#include "fissure/model/views.hpp"

#include <fmt/format.h>

#include <map>
#include <ostream>
#include <set>

namespace fissure {

namespace {

std::string dot_escape(std::string s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

const char* edge_colour(EdgeKind k) {
  switch (k) {
    case EdgeKind::Message:
    case EdgeKind::Datagram:
      return "blue";
    case EdgeKind::Connect:
      return "darkgreen";
    case EdgeKind::Fork:
      return "purple";
    case EdgeKind::Pipe:
      return "orange";
    case EdgeKind::Eof:
      return "gray40";
  }
  return "black";
}

bool communicates(const CommGraph& g, std::uint64_t v) {
  const Event& e = g.trace().events[v];
  if (!e.point.empty() || e.injected) return true;
  for (auto [it, end] = boost::in_edges(v, g.graph()); it != end; ++it)
    if (g.graph()[*it].kind != OrderKind::Program) return true;
  for (auto [it, end] = boost::out_edges(v, g.graph()); it != end; ++it)
    if (g.graph()[*it].kind != OrderKind::Program) return true;
  return e.sys == Sys::execve || e.sys == Sys::exit_group;
}

}  // namespace

std::string describe_event(const Trace& t, const Event& e) {
  std::string what = fmt::format("{}", to_string(e.sys));
  if (e.moved > 0) what += fmt::format(" {} bytes", e.moved);
  if (e.result < 0) what += fmt::format(" = -{}", errno_name(-static_cast<int>(e.result)));
  if (e.child > 0) what += fmt::format(" -> pid {}", e.child);
  if (!e.point.empty()) what += fmt::format(" ({})", to_string(e.point));
  if (e.injected) what += " [FAULT]";
  for (const auto& f : t.fired)
    if (f.event == e.id && f.fault < t.plan.faults.size())
      what += " [" + describe(t.plan.faults[f.fault]) + "]";
  return what;
}

void write_dot(const CommGraph& g, std::ostream& os) {
  const Trace& t = g.trace();
  LaneClocks lanes = lane_clocks(g);
  std::vector<bool> shown(g.size());
  for (std::uint64_t v = 0; v < g.size(); ++v) shown[v] = communicates(g, v);
  os << "digraph run {\n  rankdir=TB;\n  newrank=true;\n  node [shape=box, fontsize=9, "
        "height=0.2];\n";
  os << fmt::format(
      "  label=\"{} ({} events). Arrows: blue message or datagram, green connect, purple fork, "
      "orange pipe, gray end of stream; red boxes: faults\";\n",
      dot_escape(t.target), t.events.size());
  std::vector<std::vector<std::uint64_t>> by_lane(lanes.lanes.size());
  for (std::uint64_t v : g.topological_order())
    if (shown[v]) by_lane[lanes.lane_of_event[v]].push_back(v);
  for (std::size_t l = 0; l < by_lane.size(); ++l) {
    if (by_lane[l].empty()) continue;
    os << fmt::format("  subgraph cluster_{} {{\n    label=\"{}\";\n", l,
                      dot_escape(lanes.lanes[l]));
    for (std::uint64_t v : by_lane[l]) {
      const Event& e = t.events[v];
      os << fmt::format("    e{} [label=\"{}\"{}];\n", v, dot_escape(describe_event(t, e)),
                        e.injected ? ", color=red, fontcolor=red, penwidth=2" : "");
    }
    for (std::size_t i = 1; i < by_lane[l].size(); ++i)
      os << fmt::format("    e{} -> e{} [color=gray, arrowhead=none];\n", by_lane[l][i - 1],
                        by_lane[l][i]);
    os << "  }\n";
  }
  // Edge labels would cost Graphviz a node each (a 900-event run took 51 s instead of 16 s):
  // kinds are told by colour, as the legend says.
  for (const Edge& e : t.edges)
    if (shown[e.from] && shown[e.to])
      os << fmt::format("  e{} -> e{} [color={}];\n", e.from, e.to, edge_colour(e.kind));

  os << "}\n";
}

void write_shiviz(const CommGraph& g, std::ostream& os) {
  const Trace& t = g.trace();
  LaneClocks lanes = lane_clocks(g);
  // ShiViz's file format starts with the parser's regex and the delimiter between
  // executions (none); pasted into its text box as a whole, the log parses as well.
  os << kShivizRegex << "\n\n";
  for (std::uint64_t v : g.topological_order()) {
    std::string clock = "{";
    for (auto [lane, count] : lanes.clocks[v])
      clock += fmt::format("{}\"{}\":{}", clock.size() > 1 ? ", " : "", lanes.lanes[lane], count);
    clock += "}";
    os << describe_event(t, t.events[v]) << "\n"
       << lanes.lanes[lanes.lane_of_event[v]] << " " << clock << "\n";
  }
}

}  // namespace fissure
