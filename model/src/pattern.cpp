#include "fissure/model/pattern.hpp"

#include <fmt/format.h>

namespace fissure {

CommPattern comm_pattern(const Trace& t) {
  CommPattern p;
  std::vector<std::string> per_node(t.nodes.size());
  for (std::size_t i = 0; i < t.nodes.size(); ++i) per_node[i] = t.nodes[i].name + ":";
  for (const Event& e : t.events) {
    if (e.point.empty() || e.node >= per_node.size()) continue;
    per_node[e.node] += fmt::format(" {} {}{},", to_string(e.point.op), e.point.peer, e.injected ? " (injected)" : "");
  }
  p.lines = std::move(per_node);
  return p;
}

std::string CommPattern::hash() const {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (const auto& line : lines)
    for (unsigned char ch : line + "\n") h = (h ^ ch) * 0x100000001b3ull;
  return fmt::format("{:016x}", h);
}

std::string first_difference(const CommPattern& a, const CommPattern& b) {
  for (std::size_t i = 0; i < std::max(a.lines.size(), b.lines.size()); ++i) {
    const std::string& x = i < a.lines.size() ? a.lines[i] : "";
    const std::string& y = i < b.lines.size() ? b.lines[i] : "";
    if (x == y) continue;
    std::size_t at = 0;
    while (at < x.size() && at < y.size() && x[at] == y[at]) ++at;
    std::size_t from = x.rfind(',', at);
    from = from == std::string::npos ? 0 : from + 1;
    return fmt::format("{}\n  recorded: ...{}\n  replayed: ...{}", x.substr(0, x.find(':')), x.substr(from, 80),
                       y.substr(from, 80));
  }
  return {};
}

}  // namespace fissure
