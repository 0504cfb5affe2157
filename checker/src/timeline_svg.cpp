#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <sstream>

#include "fissure/checker/report.hpp"
#include "fissure/checker/xml_escape.hpp"

namespace fissure::checker {

namespace {

// Breaks a sentence into lines of at most `width` characters, at spaces.
std::vector<std::string> wrap(const std::string& text, std::size_t width) {
  std::vector<std::string> lines;
  std::istringstream is(text);
  std::string line;
  for (std::string w; is >> w;) {
    if (!line.empty() && line.size() + 1 + w.size() > width) {
      lines.push_back(line);
      line.clear();
    }
    line += (line.empty() ? "" : " ") + w;
  }
  if (!line.empty()) lines.push_back(line);
  return lines;
}

const char* colour(OpFunction f) {
  switch (f) {
    case OpFunction::Read:
      return "#5b9e5b";
    case OpFunction::Write:
      return "#4a78c2";
    case OpFunction::Cas:
      return "#d08a2c";
  }
  return "#888";
}

}  // namespace

std::string timeline_svg(const History& h, const Counterexample& c) {
  constexpr double kLeft = 120, kPlot = 820, kRight = 60, kRow = 44, kBar = 16;
  const double width = kLeft + kPlot + kRight;
  auto caption = wrap(c.explanation, 110);
  const double top = 20 + 16.0 * static_cast<double>(caption.size()) + 16;

  // One row per logical process, in order of first appearance.
  std::map<std::uint32_t, std::size_t> row;
  std::vector<std::string> row_name;
  std::map<std::int64_t, int> incarnations;
  for (const Operation& o : c.ops)
    if (row.emplace(o.logical, row.size()).second) {
      int n = incarnations[o.process]++;
      row_name.push_back(n == 0 ? fmt::format("process {}", o.process)
                                : fmt::format("process {} ({})", o.process, n + 1));
    }

  std::int64_t t0 = 0, t1 = 0;
  bool any = false;
  for (const Operation& o : c.ops) {
    std::int64_t end = o.complete_time.value_or(o.invoke_time);
    t0 = any ? std::min(t0, o.invoke_time) : o.invoke_time;
    t1 = any ? std::max(t1, end) : end;
    any = true;
  }
  if (t1 <= t0) t1 = t0 + 1;
  auto x = [&](std::int64_t t) {
    return kLeft + kPlot * static_cast<double>(t - t0) / static_cast<double>(t1 - t0);
  };
  const double height = top + kRow * static_cast<double>(row.size()) + 40;

  std::string s;
  s += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  s += fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{:.0f}\" height=\"{:.0f}\" "
      "viewBox=\"0 0 {:.0f} {:.0f}\" font-family=\"monospace\" font-size=\"12\">\n",
      width, height, width, height);
  s += fmt::format("<title>{}</title>\n", xml_escape(c.explanation));
  s += fmt::format("<rect width=\"{:.0f}\" height=\"{:.0f}\" fill=\"white\"/>\n", width, height);
  for (std::size_t i = 0; i < caption.size(); ++i)
    s += fmt::format("<text x=\"10\" y=\"{:.0f}\" font-size=\"13\">{}</text>\n",
                     20 + 16.0 * static_cast<double>(i), xml_escape(caption[i]));
  for (std::size_t r = 0; r < row_name.size(); ++r) {
    double y = top + kRow * static_cast<double>(r);
    s += fmt::format(
        "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#ddd\"/>\n", kLeft,
        y + kRow / 2 + kBar / 2, kLeft + kPlot + kRight - 10, y + kRow / 2 + kBar / 2);
    s += fmt::format("<text x=\"10\" y=\"{:.1f}\">{}</text>\n", y + kRow / 2 + 4, xml_escape(row_name[r]));
  }
  for (const Operation& o : c.ops) {
    double y = top + kRow * static_cast<double>(row.at(o.logical)) + kRow / 2 - kBar / 2 + 4;
    double x0 = x(o.invoke_time);
    bool open = o.outcome != OpOutcome::Ok;
    double x1 = open ? kLeft + kPlot + kRight - 10 : std::max(x(*o.complete_time), x0 + 4);
    std::string label = o.label() + (open ? " ?" : "");
    if (open) {
      // May or may not have happened: no right edge, a dashed outline fading to the end.
      s += fmt::format(
          "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.0f}\" fill=\"{}\" "
          "fill-opacity=\"0.25\" stroke=\"{}\" stroke-dasharray=\"4 3\"/>\n",
          x0, y, x1 - x0, kBar, colour(o.f), colour(o.f));
      s += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" fill=\"#555\">\u2026</text>\n", x1 - 12,
                       y + 12);
    } else {
      s += fmt::format(
          "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.0f}\" rx=\"3\" "
          "fill=\"{}\"/>\n",
          x0, y, x1 - x0, kBar, colour(o.f));
    }
    s += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\">{}</text>\n", x0, y - 3, xml_escape(label));
  }
  double axis = top + kRow * static_cast<double>(row.size()) + 10;
  s += fmt::format(
      "<line x1=\"{:.0f}\" y1=\"{:.1f}\" x2=\"{:.0f}\" y2=\"{:.1f}\" stroke=\"#333\"/>\n", kLeft,
      axis, kLeft + kPlot, axis);
  s +=
      fmt::format("<text x=\"{:.0f}\" y=\"{:.1f}\">{}</text>\n", kLeft, axis + 16, xml_escape(h.when(t0)));
  s += fmt::format("<text x=\"{:.0f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n", kLeft + kPlot,
                   axis + 16, xml_escape(h.when(t1)));
  s += "</svg>\n";
  return s;
}

}  // namespace fissure::checker
