#include "report.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

#include "fissure/model/graph.hpp"
#include "fissure/model/views.hpp"
#include "run_record.hpp"

namespace fissure {

namespace {

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// The run's space-time diagram as SVG, laid out by Graphviz (dot must be installed).
std::string diagram_svg(const std::filesystem::path& run_dir) {
  std::optional<Trace> t = load_run_trace(run_dir);
  if (!t)
    return fmt::format(
        "<p>(this run kept no trace to draw; <code>fissure replay {}</code> makes "
        "one)</p>",
        html_escape(run_dir.string()));
  CommGraph g(*t);
  auto dot_file = run_dir / "diagram.dot";
  {
    std::ofstream os(dot_file);
    write_dot(g, os);
  }
  auto svg_file = run_dir / "diagram.svg";
  std::string cmd =
      fmt::format("dot -Tsvg '{}' -o '{}' 2>/dev/null", dot_file.string(), svg_file.string());
  if (std::system(cmd.c_str()) != 0)
    return "<p>(Graphviz could not draw this run: is <code>dot</code> installed?)</p>";
  std::ifstream in(svg_file);
  std::string svg((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto at = svg.find("<svg");  // drop the XML prologue: the SVG goes inline
  return at == std::string::npos ? svg : svg.substr(at);
}

// Unique signatures and bugs found so far, after each run, in journal order.
struct CurvePoint {
  std::size_t runs, signatures, bugs;
};

std::vector<CurvePoint> campaign_curve(const std::filesystem::path& campaign,
                                       const CampaignResult& r) {
  std::vector<CurvePoint> out;
  std::set<std::string> signatures;
  std::set<std::string> first_runs;
  for (const auto& b : r.bugs)
    first_runs.insert(std::filesystem::path(b.first_run).filename().string());
  std::size_t bugs = 0;
  for (std::size_t i = 0; i < r.runs; ++i) {
    auto dir = campaign / "runs" / fmt::format("{:05}", i);
    if (!std::filesystem::exists(dir / "run.json")) break;
    RunRecord rec = read_run_record(dir);
    signatures.insert(rec.pattern + rec.verdict);
    bugs += first_runs.contains(dir.filename().string());
    out.push_back({i + 1, signatures.size(), bugs});
  }
  return out;
}

std::string curve_svg(const std::vector<CurvePoint>& curve) {
  const int w = 640, h = 240, left = 50, bottom = 30, top = 20;
  std::size_t max_runs = curve.empty() ? 1 : curve.back().runs, max_y = 1;
  for (const auto& p : curve) max_y = std::max({max_y, p.signatures, p.bugs});
  auto x = [&](std::size_t v) {
    return left + static_cast<double>(v) * (w - left - 20) / static_cast<double>(max_runs);
  };
  auto y = [&](std::size_t v) {
    return h - bottom - static_cast<double>(v) * (h - bottom - top) / static_cast<double>(max_y);
  };
  std::string sig, bug;
  for (const auto& p : curve) {
    sig += fmt::format("{:.1f},{:.1f} ", x(p.runs), y(p.signatures));
    bug += fmt::format("{:.1f},{:.1f} ", x(p.runs), y(p.bugs));
  }
  return fmt::format(
      R"(<svg xmlns="http://www.w3.org/2000/svg" width="{0}" height="{1}" font-family="sans-serif" font-size="12">
<line x1="{2}" y1="{3}" x2="{4}" y2="{3}" stroke="black"/><line x1="{2}" y1="{5}" x2="{2}" y2="{3}" stroke="black"/>
<text x="{4}" y="{6}" text-anchor="end">runs ({7})</text><text x="{8}" y="{5}">{9}</text>
<polyline fill="none" stroke="#3b6ea5" stroke-width="2" points="{10}"/><polyline fill="none" stroke="#c0392b" stroke-width="2" points="{11}"/>
<text x="{12}" y="{13}" fill="#3b6ea5">unique signatures</text><text x="{12}" y="{14}" fill="#c0392b">bugs</text></svg>)",
      w, h, left, h - bottom, w - 20, top, h - 8, max_runs, 5, max_y, sig, bug, left + 10, top + 12,
      top + 28);
}

}  // namespace

void write_report(const std::filesystem::path& campaign, const CampaignResult& r,
                  const std::string& title) {
  std::ostringstream md, html;
  md << fmt::format("# fissure campaign: {}\n\n{} runs, {} unique signatures, {} bug(s){}.\n\n",
                    title, r.runs, r.unique_signatures, r.bugs.size(),
                    r.exhausted ? "; the strategy had nothing left to try" : "");
  html << "<!doctype html><html><head><meta charset=\"utf-8\"><title>fissure: "
       << html_escape(title)
       << "</title><style>body{font-family:sans-serif;max-width:1100px;margin:2em auto}"
          "pre{background:#f4f4f4;padding:.8em;overflow:auto}.diagram{overflow:auto;border:1px "
          "solid #ddd}"
          "</style></head><body>\n";
  html << "<h1>fissure campaign: " << html_escape(title) << "</h1>\n<p>" << r.runs << " runs, "
       << r.unique_signatures << " unique signatures, " << r.bugs.size() << " bug(s)"
       << (r.exhausted ? "; the strategy had nothing left to try" : "") << ".</p>\n";
  // Who searched, and what it proved or how soon it found something.
  std::string search = fmt::format("Strategy {}: {} hypotheses from the lineage ({} refuted, {} "
                                   "supports learned, {:.1f} s in the solver).",
                                   r.strategy, r.search.hypotheses, r.search.refuted,
                                   r.search.supports, r.search.solver_seconds);
  if (r.runs_to_first_bug)
    search += fmt::format(" First failure after {} runs, counted as Molly counts.",
                          *r.runs_to_first_bug);
  md << search << "\n\n";
  html << "<p>" << html_escape(search) << "</p>\n";
  if (r.certified) {
    const auto& c = r.certified->bounds;
    std::vector<std::string> kinds;
    for (auto k : c.kinds) kinds.emplace_back(to_string(k));
    std::string text = fmt::format(
        "No counterexample within bounds: at most {} fault(s) of kinds {} on nodes {}, over {} "
        "injection points seen; {} hypotheses run, {} supports learned; certified after {} runs.",
        c.max_faults, fmt::join(kinds, ", "), fmt::join(c.nodes, ", "), c.points, c.hypotheses,
        c.supports, r.certified->at_run);
    md << "## Certified\n\n" << text << "\n\nIt assumes:\n\n";
    html << "<h2>Certified</h2>\n<p>" << html_escape(text) << "</p>\n<p>It assumes:</p><ul>\n";
    for (const auto& a : c.assumptions) {
      md << "- " << a << "\n";
      html << "<li>" << html_escape(a) << "</li>\n";
    }
    md << "\n";
    html << "</ul>\n";
  }
  for (std::size_t i = 0; i < r.bugs.size(); ++i) {
    const BugReport& b = r.bugs[i];
    const std::string found =
        b.found_by.empty() ? "" : fmt::format("Found by {} at run {}. ", b.found_by, b.found_at);
    std::ostringstream plan;
    write_plan(b.plan, plan);
    md << fmt::format(
        "## Bug {}: {}\n\n- {}reproduced {} of {} replays\n- plan {}{}:\n\n```json\n{}\n```\n\n"
        "- first seen in `{}`\n- replay: `fissure replay {}`\n- diagram: `{}/diagram.svg`\n\n",
        i + 1, b.symptom, found, b.reproduced, b.replays, b.plan.id(),
        b.minimized ? " (minimized)" : "", plan.str(), b.first_run, b.first_run, b.first_run);
    html << fmt::format(
        "<h2 id=\"bug-{}\">Bug {}: {}</h2>\n<p>{}Reproduced {} of {} replays. Plan "
        "{}{}:</p>\n<pre>{}</pre>\n"
        "<p>First seen in <code>{}</code>. Replay: <code>fissure replay {}</code></p>\n"
        "<div class=\"diagram\">{}</div>\n",
        i + 1, i + 1, html_escape(b.symptom), html_escape(found), b.reproduced, b.replays,
        b.plan.id(),
        b.minimized ? " (minimized)" : "", html_escape(plan.str()), html_escape(b.first_run),
        html_escape(b.first_run), diagram_svg(b.first_run));
  }
  auto curve = campaign_curve(campaign, r);
  std::string svg = curve_svg(curve);
  { std::ofstream(campaign / "curve.svg") << svg; }
  md << "## Campaign curve\n\n![unique signatures and bugs over runs](curve.svg)\n";
  html << "<h2>Campaign curve</h2>\n" << svg << "\n</body></html>\n";
  std::ofstream(campaign / "report.md") << md.str();
  std::ofstream(campaign / "report.html") << html.str();
}

}  // namespace fissure
