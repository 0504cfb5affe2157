#include "report.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cereal/archives/json.hpp>
#include <cereal/types/string.hpp>
#include <fstream>
#include <set>
#include <sstream>

#include "fissure/checker/check.hpp"
#include "fissure/checker/history_error.hpp"
#include "fissure/checker/load_history.hpp"
#include "fissure/checker/xml_escape.hpp"
#include "fissure/model/graph.hpp"
#include "fissure/model/views.hpp"
#include "plan_description.hpp"
#include "run_record.hpp"
#include "space_time_diagram.hpp"

namespace fissure {

namespace {

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The settings a campaign ran with, from its checkpoint; `problem` says why they are unknown.
struct Settings {
  std::uint64_t seed = 0, budget = 0;
  unsigned jobs = 0, baseline = 0, replays = 0;
  std::string problem;
};

Settings read_settings(const std::filesystem::path& campaign) {
  Settings s;
  std::ifstream is(campaign / "checkpoint.json");
  if (!is) {
    s.problem = fmt::format("{}: missing", (campaign / "checkpoint.json").string());
    return s;
  }
  try {
    cereal::JSONInputArchive ar(is);
    ar.setNextName("campaign");
    ar.startNode();
    ar(cereal::make_nvp("seed", s.seed), cereal::make_nvp("runs_budget", s.budget),
       cereal::make_nvp("jobs", s.jobs), cereal::make_nvp("baseline", s.baseline),
       cereal::make_nvp("replays", s.replays));
    ar.finishNode();
  } catch (const cereal::Exception& e) {
    s.problem = fmt::format("{}: {}", (campaign / "checkpoint.json").string(), e.what());
  }
  return s;
}

// A checker's stale read names the write it did not see: the diagram's lineage is that
// write's acknowledgement, found again by checking the run's history (the verdict keeps the
// sentence only). A history that cannot be read or checked leaves the diagram's own choice.
std::optional<SpaceTimeDiagram::Focus> lost_write_focus(const BugReport& b) {
  const auto file = std::filesystem::path(b.first_run) / "history.jsonl";
  if (b.message.find("not linearizable") == std::string::npos || !std::filesystem::exists(file))
    return std::nullopt;
  checker::History h;
  try {
    h = checker::load_history(file);
  } catch (const checker::HistoryError& e) {
    return std::nullopt;  // the verdict already says what is wrong with it
  }
  checker::CheckResult r = checker::check_linearizable_register(h, {std::chrono::seconds(2)});
  if (!r.counterexample || !r.counterexample->lost_write ||
      !r.counterexample->lost_write->complete_time)
    return std::nullopt;
  const checker::Operation& w = *r.counterexample->lost_write;
  return SpaceTimeDiagram::Focus{
      static_cast<std::uint64_t>(*w.complete_time),
      fmt::format("the {} acknowledged at {} (process {}), which a later read did not see",
                  w.describe(), h.when(*w.complete_time), w.process)};
}

// The fault-free run the bugs are compared with: the campaign's first run keeps its trace.
std::optional<Trace> baseline_trace(const std::filesystem::path& campaign) {
  auto dir = campaign / "runs" / "00000";
  if (!std::filesystem::exists(dir / "run.json")) return std::nullopt;
  RunRecord rec = read_run_record(dir);
  auto verdict = rec.read_verdict();
  if (!verdict || verdict->kind != VerdictKind::Good) return std::nullopt;
  return load_run_trace(dir);
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
  const int w = 520, h = 200, left = 40, bottom = 30, top = 16;
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
      R"(<svg xmlns="http://www.w3.org/2000/svg" class="curve" viewBox="0 0 {0} {1}" width="{0}" font-family="sans-serif" font-size="12">
<line x1="{2}" y1="{3}" x2="{4}" y2="{3}" stroke="black"/><line x1="{2}" y1="{5}" x2="{2}" y2="{3}" stroke="black"/>
<text x="{4}" y="{6}" text-anchor="end">runs ({7})</text><text x="{8}" y="{5}">{9}</text>
<polyline fill="none" stroke="#3b6ea5" stroke-width="2" points="{10}"/><polyline fill="none" stroke="#c0392b" stroke-width="2" points="{11}"/>
<text x="{12}" y="{13}" fill="#3b6ea5">unique signatures</text><text x="{12}" y="{14}" fill="#c0392b">bugs</text></svg>)",
      w, h, left, h - bottom, w - 20, top, h - 8, max_runs, 5, max_y, sig, bug, left + 10, top + 12,
      top + 28);
}

// The whole run for those who want it, as files beside the run: DOT (Graphviz takes
// minutes on a big trace, so the report never runs it) and a ShiViz log.
std::pair<std::string, std::string> write_exports(const std::filesystem::path& run_dir,
                                                  const Trace& t) {
  auto dot = run_dir / "trace.dot", shiviz = run_dir / "trace.shiviz.log";
  if (!std::filesystem::exists(dot) || !std::filesystem::exists(shiviz)) {
    CommGraph g(t);
    std::ofstream d(dot), s(shiviz);
    write_dot(g, d);
    write_shiviz(g, s);
  }
  return {dot.string(), shiviz.string()};
}

std::string link_to(const std::filesystem::path& campaign, const std::string& file) {
  std::error_code ec;
  auto rel = std::filesystem::relative(file, campaign, ec);
  return ec || rel.empty() ? "file://" + file : rel.string();
}

// Verdict classes, sentence titles and the flaky flag come with the campaign's verdicts
// (issue 10); a BugReport without them is shown with what it has: verdict and symptom.
template <class B>
std::string class_name(const B& b) {
  if constexpr (requires { b.cls; }) {
    std::string c(to_string(b.cls));
    if (!c.empty()) return c;
  }
  return b.verdict;
}
template <class B>
std::string title_of(const B& b) {
  if constexpr (requires { b.title; })
    if (!b.title.empty()) return b.title;
  return b.message.empty() ? b.symptom : b.message;
}
template <class B>
bool is_flaky(const B& b) {
  if constexpr (requires { b.flaky(); }) return b.flaky();
  return b.replays > 0 && b.reproduced == 0;
}

std::string found_words(const BugReport& b) {
  if (b.found_by.empty()) return "";
  return fmt::format("run {} by {}", b.found_at, b.found_by);
}

std::string reproduced_words(const BugReport& b) {
  if (b.replays == 0) return "not replayed";
  return fmt::format("{} of {}", b.reproduced, b.replays);
}

// What a big run's diagram left out, and which nodes stopped talking: "Drawn: 70 of the
// run's 3,210 messages. Missing: sentinel1 to master 4,120, ..." (empty when all is drawn).
std::string folded_words(const SpaceTimeDiagram& d) {
  std::string out;
  if (d.messages_drawn() < d.messages_total())
    out += fmt::format(" Drawn: {} of the run's {} messages in the window, the rest folded.",
                       d.messages_drawn(), d.messages_total());
  if (d.missing_drawn() < d.missing_total()) {
    std::vector<std::string> pairs;
    for (const auto& [p, count] : d.missing_by_pair())
      if (pairs.size() < 8) pairs.push_back(fmt::format("{} {}", p, count));
    out += fmt::format(" Missing, by pair of nodes: {}{}.", fmt::join(pairs, ", "),
                       d.missing_by_pair().size() > pairs.size() ? ", ..." : "");
  }
  return out;
}

constexpr const char* kStyle = R"(
body{font-family:sans-serif;max-width:1200px;margin:1em auto;padding:0 1em;color:#222;line-height:1.35}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.6em;border-top:1px solid #ccc;padding-top:.6em}
table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top;font-size:14px}
table.bugs{width:100%}tr.flaky td{color:#777}.cls{font-weight:bold;text-transform:capitalize}
.cls.safety{color:#c0392b}.cls.liveness{color:#b9770e}.cls.crash{color:#6c3483}
.campaign{display:flex;flex-wrap:wrap;gap:2em;align-items:flex-start}svg.curve{max-width:100%;height:auto}
pre{background:#f4f4f4;padding:.8em;overflow:auto}code{background:#f4f4f4;padding:0 .2em}
.pic{display:flex;gap:12px;align-items:flex-start}.stdwrap{flex:3;min-width:0;max-height:80vh;overflow:auto;border:1px solid #ddd;cursor:grab}
.hist{flex:2;min-width:0;max-height:80vh;overflow:auto}.hist svg{max-width:100%;height:auto}
.zoom{position:sticky;top:0;left:0;z-index:1;display:inline-block;background:#fffd;padding:2px}
.zoom button{font-size:12px;min-width:2em}.legend{font-size:13px;color:#444}
.std .lane{stroke:#bbb}.std .m line{stroke:#3b6ea5}.std .l line{stroke:#d35400;stroke-width:2}
.std .x line{stroke:#888;stroke-dasharray:5 4}.std .x text{fill:#888}.std .x.l line{stroke:#d35400}
.std .u line{opacity:.55}.std .f path{stroke:#c0392b;stroke-width:3}.std .f text{fill:#c0392b;font-weight:bold}
.std .tm,.std .gap{fill:#888}.std g:hover line{stroke-width:3.5}.std g:hover text{font-weight:bold}
.key{display:inline-block;width:2.2em;border-top:2px solid #3b6ea5;vertical-align:middle}
)";

// Zoom (buttons, ctrl+wheel) and drag to pan, for every diagram of the page; no library.
constexpr const char* kScript = R"(
document.querySelectorAll('.stdwrap').forEach(w=>{const s=w.querySelector('svg');let z=1;
const set=v=>{z=Math.max(1,Math.min(10,v));s.style.width=(z*100)+'%';};
w.querySelectorAll('button').forEach(b=>b.onclick=()=>set(b.dataset.z==='0'?1:z*+b.dataset.z));
w.addEventListener('wheel',e=>{if(!e.ctrlKey)return;e.preventDefault();set(z*(e.deltaY<0?1.25:0.8));},{passive:false});
let d=null;w.addEventListener('mousedown',e=>{d=[e.clientX,e.clientY,w.scrollLeft,w.scrollTop];w.style.cursor='grabbing';});
addEventListener('mouseup',()=>{d=null;w.style.cursor='';});
w.addEventListener('mousemove',e=>{if(d){w.scrollLeft=d[2]-e.clientX+d[0];w.scrollTop=d[3]-e.clientY+d[1];}});});
document.querySelectorAll('svg.std').forEach(s=>{
const x0=+s.dataset.x0,gap=+s.dataset.gap,sub=Math.round(gap*0.5),w0=+s.dataset.w,h0=+s.dataset.h;
const heads=[...s.querySelectorAll('text.ln')],n=heads.map(h=>+h.dataset.threads),open=n.map(()=>false);
const lx=l=>{let x=x0+l*gap;for(let j=0;j<l;j++)if(open[j])x+=(n[j]-1)*sub;return x;};
const tx=(l,t)=>lx(l)+(open[l]?t*sub:0);
const at=(e,k,v)=>e.setAttribute(k,v);
const lay=()=>{
heads.forEach((h,l)=>at(h,'x',lx(l)));
s.querySelectorAll('line.lane[data-lane]').forEach(e=>{const x=lx(+e.dataset.lane);at(e,'x1',x);at(e,'x2',x);});
s.querySelectorAll('g.thr').forEach(g=>{const l=+g.dataset.lane,x=tx(l,+g.dataset.t);at(g,'display',open[l]?'inline':'none');
at(g.querySelector('text'),'x',x);const e=g.querySelector('line');at(e,'x1',x);at(e,'x2',x);});
s.querySelectorAll('g[data-a]').forEach(g=>{const a=tx(+g.dataset.a,+g.dataset.ta);
if(g.classList.contains('f')){g.o=g.o??a;at(g,'transform','translate('+(a-g.o)+',0)');return;}
const b=tx(+g.dataset.b,+g.dataset.tb),dir=b>a?1:-1,e=g.querySelector('line'),t=g.querySelector('text');
const x2=g.classList.contains('u')?a+dir*gap/2:b-dir*2;at(e,'x1',a);at(e,'x2',x2);if(t)at(t,'x',a+(x2-a)/4);});
let w=w0;open.forEach((o,l)=>{if(o)w+=(n[l]-1)*sub;});at(s,'viewBox','0 0 '+w+' '+h0);};
heads.forEach((h,l)=>{if(n[l]<2)return;h.style.cursor='pointer';h.onclick=()=>{open[l]=!open[l];lay();};});});
)";

}  // namespace

void write_report(const std::filesystem::path& campaign, const CampaignResult& r,
                  const std::string& title) {
  std::ostringstream md, html;
  const Settings settings = read_settings(campaign);
  const std::optional<Trace> baseline = baseline_trace(campaign);

  // Firm findings first, flaky ones (seen once, never in their replays) after them.
  std::vector<std::size_t> order;
  for (int flaky = 0; flaky < 2; ++flaky)
    for (std::size_t i = 0; i < r.bugs.size(); ++i)
      if (is_flaky(r.bugs[i]) == (flaky == 1)) order.push_back(i);

  // Each bug's run, read once: its plan in words needs it, and so does its diagram.
  std::vector<std::optional<Trace>> runs;
  for (std::size_t i : order) runs.push_back(load_run_trace(r.bugs[i].first_run));
  std::vector<std::string> plans;
  for (std::size_t n = 0; n < order.size(); ++n)
    plans.push_back(PlanDescription(
        {runs[n] ? &*runs[n] : nullptr, baseline ? &*baseline : nullptr})(r.bugs[order[n]].plan));

  html << "<!doctype html><html><head><meta charset=\"utf-8\"><title>fissure: " << xml_escape(title)
       << "</title><style>" << kStyle << "</style></head><body>\n";
  html << "<h1>fissure campaign: " << xml_escape(title) << "</h1>\n";
  md << fmt::format("# fissure campaign: {}\n\n", title);
  const std::string headline =
      fmt::format("{} bug{} in {} runs{}.", r.bugs.size(), r.bugs.size() == 1 ? "" : "s", r.runs,
                  r.exhausted ? "; the strategy had nothing left to try" : "");
  html << "<p>" << xml_escape(headline) << "</p>\n";
  md << headline << "\n\n";

  if (!r.bugs.empty()) {
    html << "<table class=\"bugs\"><tr><th></th><th>class</th><th>what broke</th><th>plan</th>"
            "<th>reproduced</th><th>found at</th></tr>\n";
    md << "| | class | what broke | plan | reproduced | found at |\n|-|-|-|-|-|-|\n";
    for (std::size_t n = 0; n < order.size(); ++n) {
      const BugReport& b = r.bugs[order[n]];
      html << fmt::format(
          "<tr{}><td><a href=\"#bug-{}\">{}</a></td><td class=\"cls {}\">{}</td><td>{}</td>"
          "<td>{}</td><td>{}{}</td><td>{}</td></tr>\n",
          is_flaky(b) ? " class=\"flaky\"" : "", n + 1, n + 1, xml_escape(class_name(b)),
          xml_escape(class_name(b)), xml_escape(title_of(b)), xml_escape(plans[n]),
          reproduced_words(b), is_flaky(b) ? " (flaky)" : "", xml_escape(found_words(b)));
      md << fmt::format("| {} | {} | {} | {} | {}{} | {} |\n", n + 1, class_name(b), title_of(b),
                        plans[n], reproduced_words(b), is_flaky(b) ? " (flaky)" : "",
                        found_words(b));
    }
    html << "</table>\n";
    md << "\n";
  }
  if (r.certified) {
    const auto& c = r.certified->bounds;
    std::vector<std::string> kinds;
    for (auto k : c.kinds) kinds.emplace_back(to_string(k));
    std::string text = fmt::format(
        "Certified: no counterexample with at most {} fault(s) of kinds {} on nodes {}, over {} "
        "injection points seen; {} hypotheses run, {} supports learned; certified after {} runs.",
        c.max_faults, fmt::join(kinds, ", "), fmt::join(c.nodes, ", "), c.points, c.hypotheses,
        c.supports, r.certified->at_run);
    md << text << " It assumes:\n\n";
    html << "<p><b>" << xml_escape(text) << "</b> It assumes:</p><ul>\n";
    for (const auto& a : c.assumptions) {
      md << "- " << a << "\n";
      html << "<li>" << xml_escape(a) << "</li>\n";
    }
    for (const auto& u : c.unfireable) {
      md << "- cannot fire: " << u << "\n";
      html << "<li>cannot fire: " << xml_escape(u) << "</li>\n";
    }
    md << "\n";
    html << "</ul>\n";
  }

  // The campaign: its settings, speed and search, beside its curve.
  std::vector<std::pair<std::string, std::string>> rows;
  rows.emplace_back("strategy", r.strategy);
  if (settings.problem.empty()) {
    rows.emplace_back("seed", std::to_string(settings.seed));
    rows.emplace_back("jobs", std::to_string(settings.jobs));
    rows.emplace_back("run budget", std::to_string(settings.budget));
    rows.emplace_back("baseline runs, replays per bug",
                      fmt::format("{}, {}", settings.baseline, settings.replays));
  } else {
    rows.emplace_back("settings", "unknown (" + settings.problem + ")");
  }
  rows.emplace_back("runs", std::to_string(r.runs));
  if (r.seconds > 0)
    rows.emplace_back(
        "time, runs per second",
        fmt::format("{:.1f} s, {:.2f}", r.seconds, static_cast<double>(r.runs) / r.seconds));
  rows.emplace_back("unique signatures", std::to_string(r.unique_signatures));
  if (r.runs_to_first_bug)
    rows.emplace_back("runs to the first failure (as Molly counts)",
                      std::to_string(*r.runs_to_first_bug));
  if (r.search.hypotheses || r.search.supports)
    rows.emplace_back("LDFI hypotheses tried (refuted), supports learned, solver time",
                      fmt::format("{} ({}), {}, {:.1f} s", r.search.hypotheses, r.search.refuted,
                                  r.search.supports, r.search.solver_seconds));
  auto curve = curve_svg(campaign_curve(campaign, r));
  { std::ofstream(campaign / "curve.svg") << curve; }
  html << "<div class=\"campaign\"><table>\n";
  md << "## Campaign\n\n";
  for (const auto& [k, v] : rows) {
    html << fmt::format("<tr><th>{}</th><td>{}</td></tr>\n", xml_escape(k), xml_escape(v));
    md << fmt::format("- {}: {}\n", k, v);
  }
  html << "</table>\n" << curve << "</div>\n";
  md << "\n![unique signatures and bugs over runs](curve.svg)\n\n";

  for (std::size_t n = 0; n < order.size(); ++n) {
    const BugReport& b = r.bugs[order[n]];
    if (is_flaky(b) && (n == 0 || !is_flaky(r.bugs[order[n - 1]]))) {
      md << "## Flaky\n\nSeen, then never again in their replays.\n\n";
      html << "<h2>Flaky</h2>\n<p>Seen, then never again in their replays.</p>\n";
    }
    std::ostringstream plan;
    write_plan(b.plan, plan);
    html << fmt::format("<h2 id=\"bug-{0}\">{0}. {1}</h2>\n", n + 1, xml_escape(title_of(b)));
    html << fmt::format("<p><span class=\"cls {0}\">{0}</span>{1}. Plan: {2}. {3}{4}.{5}</p>\n",
                        xml_escape(class_name(b)), is_flaky(b) ? ", flaky" : "",
                        xml_escape(plans[n]),
                        b.replays == 0 ? "Not replayed" : "Reproduced " + reproduced_words(b),
                        b.minimized ? "" : " (the plan is not minimized: the campaign ended first)",
                        b.found_by.empty() ? "" : " Found at " + xml_escape(found_words(b)) + ".");
    md << fmt::format("## {}. {}\n\n- class: {}\n- plan: {}\n- reproduced: {}\n", n + 1,
                      title_of(b), class_name(b), plans[n], reproduced_words(b));
    if (runs[n]) {
      SpaceTimeDiagram d(*runs[n], baseline ? &*baseline : nullptr, fmt::format("d{}", n + 1),
                         lost_write_focus(b));
      std::string history = read_text(std::filesystem::path(b.first_run) / "history.svg");
      if (auto at = history.find("<svg"); at != std::string::npos) history = history.substr(at);
      html << "<div class=\"pic\"><div class=\"stdwrap\"><div class=\"zoom\">"
              "<button data-z=\"1.5\">+</button><button data-z=\"0.667\">&minus;</button>"
              "<button data-z=\"0\">fit</button></div>"
           << d.svg() << "</div>";
      if (!history.empty()) html << "<div class=\"hist\">" << history << "</div>";
      html << "</div>\n";
      html << fmt::format(
          "<p class=\"legend\"><span class=\"key\"></span> message, labelled with its first "
          "bytes; <span class=\"key\" style=\"border-top:2px dashed #888\"></span> in the "
          "fault-free run but not in this one{}; <span class=\"key\" "
          "style=\"border-color:#d35400\"></span> lineage of {}; <b style=\"color:#c0392b\">"
          "&#x2715;</b> fault. Time runs down from the workload's first call to its end; "
          "hover an arrow for its calls.{}</p>\n",
          baseline ? fmt::format(" ({} of {} drawn)", d.missing_drawn(), d.missing_total())
                   : " (no fault-free run kept a trace to compare)",
          xml_escape(d.lineage_of().empty() ? "no outcome" : d.lineage_of()),
          xml_escape(folded_words(d)));
      auto [dot, shiviz] = write_exports(b.first_run, *runs[n]);
      html << fmt::format(
          "<p>Whole run: <a href=\"{}\">DOT</a> (<code>dot -Tsvg</code>) and <a "
          "href=\"{}\">ShiViz log</a> (ShiViz's default parser).</p>\n",
          xml_escape(link_to(campaign, dot)), xml_escape(link_to(campaign, shiviz)));
      md << fmt::format("- whole run: `{}`, `{}`\n", dot, shiviz);
    } else {
      html << fmt::format(
          "<p>(this run kept no trace to draw; <code>fissure replay {}</code> makes one)</p>\n",
          xml_escape(b.first_run));
    }
    html << fmt::format(
        "<p>Replay: <code>fissure replay {0}</code></p>\n<details><summary>Plan {1} as JSON"
        "</summary><pre>{2}</pre></details>\n",
        xml_escape(b.first_run), b.plan.id(), xml_escape(plan.str()));
    md << fmt::format("- replay: `fissure replay {}`\n- plan {}:\n\n```json\n{}\n```\n\n",
                      b.first_run, b.plan.id(), plan.str());
  }
  html << "<script>" << kScript << "</script>\n</body></html>\n";
  std::ofstream(campaign / "report.md") << md.str();
  std::ofstream(campaign / "report.html") << html.str();
}

}  // namespace fissure
