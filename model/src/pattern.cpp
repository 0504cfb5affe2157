#include "fissure/model/pattern.hpp"

#include <fmt/format.h>

#include <map>
#include <set>

namespace fissure {

// Per (node, peer), the set of consecutive operation pairs, between nodes only. Counts of
// repetitions (timers, heartbeats), the interleaving of a node's conversations with
// different peers, where teardown cut the run, and a node's traffic with itself (pipes
// between its own processes) vary from run to run for no reason a fault search cares about;
// which operations follow which, with whom, and where a fault landed, do not.
CommPattern comm_pattern(const Trace& t) {
  std::map<std::pair<std::string, std::string>, std::vector<std::string>> sequences;
  for (const Event& e : t.events) {
    if (e.point.empty() || e.point.peer == e.point.node) continue;
    std::string op(to_string(e.point.op));
    if (e.injected) op += "!";
    sequences[{e.point.node, e.point.peer}].push_back(std::move(op));
  }
  CommPattern p;
  for (const auto& [key, ops] : sequences) {
    std::set<std::string> pairs;
    for (std::size_t i = 0; i < ops.size(); ++i)
      pairs.insert(i == 0 ? ops[0] : ops[i - 1] + ">" + ops[i]);
    std::string line = fmt::format("{} -> {}:", key.first, key.second);
    for (const auto& pair : pairs) line += " " + pair;
    p.lines.push_back(std::move(line));
  }
  return p;
}

CommPattern comm_sequence(const Trace& t) {
  CommPattern p;
  p.lines.resize(t.nodes.size());
  for (std::size_t i = 0; i < t.nodes.size(); ++i) p.lines[i] = t.nodes[i].name + ":";
  for (const Event& e : t.events)
    if (!e.point.empty() && e.node < p.lines.size())
      p.lines[e.node] +=
          fmt::format(" {} {}{}", to_string(e.point.op), e.point.peer, e.injected ? "!" : "");
  return p;
}

std::string CommPattern::hash() const {
  std::uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a: stable across builds and machines
  for (const auto& line : lines)
    for (unsigned char ch : line + "\n") h = (h ^ ch) * 0x100000001b3ull;
  return fmt::format("{:016x}", h);
}

std::string coverage_signature(const Trace& t, std::string_view verdict, CoverageLevel level) {
  CommPattern p = level == CoverageLevel::Pairs ? comm_pattern(t) : comm_sequence(t);
  p.lines.push_back(fmt::format("verdict: {}", verdict));
  return p.hash();
}

std::string first_difference(const CommPattern& a, const CommPattern& b) {
  std::set<std::string> in_a(a.lines.begin(), a.lines.end()), in_b(b.lines.begin(), b.lines.end());
  for (const auto& line : a.lines)
    if (!in_b.contains(line)) {
      std::string key = line.substr(0, line.find(':'));
      std::string other = "(none)";
      for (const auto& l : b.lines)
        if (l.starts_with(key + ":")) other = l;
      return fmt::format("\n  recorded: {}\n  replayed: {}", line, other);
    }
  for (const auto& line : b.lines)
    if (!in_a.contains(line)) return fmt::format("\n  recorded: (none)\n  replayed: {}", line);
  return {};
}

}  // namespace fissure
