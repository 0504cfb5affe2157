// The campaign's report as a reader meets it: opened by headless Chromium (Debian's) in a
// 1280x800 window. A probe script appended to a copy of the page reports what the browser
// laid out: the summary's rows, whether the first bug's diagram fits the width, its fault
// mark and its dashed (missing) messages. On a small target always; on the main job's,
// redis-sentinel (scripts/main.sh), whenever its campaign finds the lost write in time.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>

#include "cluster.hpp"

namespace fissure::testing {
namespace {

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Writes the probe's findings as "name=value" lines into the page, for --dump-dom. Whether
// the fault mark and a dashed message are laid out inside the window's width, not only
// present: the diagram is scaled to the page, and a hidden or cut-off mark is no mark.
constexpr const char* kProbe = R"(<script>
addEventListener('load',()=>{const out=[];const put=(k,v)=>out.push(k+'='+v);
const svg=document.querySelector('svg.std');const r=svg?svg.getBoundingClientRect():null;
const inside=e=>{const b=e.getBoundingClientRect();return b.width>0&&b.height>0&&b.left>=0&&b.right<=innerWidth;};
put('rows',document.querySelectorAll('table.bugs tr').length-1);
put('page_width',document.documentElement.scrollWidth);put('view_width',innerWidth);
put('svg_left',r?Math.floor(r.left):-1);put('svg_right',r?Math.ceil(r.right):-1);
put('svg_height',r?Math.round(r.height):-1);
put('fault_marks',svg?[...svg.querySelectorAll('g.f')].filter(inside).length:0);
let dashed=0;if(svg)svg.querySelectorAll('g.x line').forEach(l=>{const d=getComputedStyle(l).strokeDasharray;if(d&&d!=='none'&&inside(l))++dashed;});
put('dashed',dashed);put('render_ms',Math.round(performance.now()));
const p=document.createElement('pre');p.id='probe';p.textContent=out.join('\n');document.body.appendChild(p);});
</script>)";

std::string chromium(const std::filesystem::path& profile, const std::string& what) {
  return fmt::format(
      "chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
      "--disable-background-networking --disable-component-update --disable-sync "
      "--hide-scrollbars --window-size=1280,800 --user-data-dir={} {}",
      profile.string(), what);
}

std::map<std::string, long> probe_values(const std::string& dom) {
  std::map<std::string, long> out;
  auto at = dom.find("<pre id=\"probe\">");
  if (at == std::string::npos) return out;
  std::string text = dom.substr(at, dom.find("</pre>", at) - at);
  std::regex line(R"((\w+)=(-?\d+))");
  for (std::sregex_iterator it(text.begin(), text.end(), line), end; it != end; ++it)
    out[(*it)[1]] = std::stol((*it)[2]);
  return out;
}

// The main job's target, redis-sentinel, as generated into the build tree, copied with its
// sentinels' script and configs, its [faults] narrowed from crashes and partitions of the
// master to its partitions: a crash there is unavailability (README: redis-sentinel), and
// each run LDFI spends on one is 8-10 s of workload.
std::filesystem::path sentinel_spec(const ScratchDir& dir) {
  const auto from = std::filesystem::path(FISSURE_SUITE_DIR) / "redis-sentinel";
  for (const char* f : {"sentinel.sh", "sentinel1.conf", "sentinel2.conf", "sentinel3.conf"})
    std::filesystem::copy_file(from / f, dir.path() / f);
  std::string text = slurp(from / "target.toml");
  const std::string kinds = R"(kinds = ["crash", "partition"])";
  const auto at = text.find(kinds);
  if (at == std::string::npos) return {};
  text.replace(at, kinds.size(), R"(kinds = ["partition"])");
  return dir.write("target.toml", text);
}

// Checks a campaign's report, rewritten by `fissure report`, as the page and as Chromium lays
// it out; `bugs` are summary.json's.
void check_report(const ScratchDir& dir, const std::filesystem::path& out) {
  std::filesystem::remove(out / "report.html");
  CommandResult rep = run_fissure(fmt::format("report {}", out.string()));
  ASSERT_EQ(rep.exit_code, 0) << rep.output;
  const std::string page = slurp(out / "report.html");
  const std::size_t bugs = count(slurp(out / "summary.json"), "\"plan_id\"");
  ASSERT_GE(bugs, 1u);
  // The SVGs' xmlns is a name, not a load: what would fetch is a src, an href or a url().
  for (const char* load : {"src=\"http", "href=\"http", "url(http", "@import"})
    EXPECT_EQ(page.find(load), std::string::npos) << "the page loads nothing: " << load;
  EXPECT_EQ(page.find("<img"), std::string::npos);
  EXPECT_NE(page.find("<details>"), std::string::npos) << "the plan's JSON is folded";
  EXPECT_NE(page.find("fissure replay "), std::string::npos);
  EXPECT_NE(page.find("trace.dot"), std::string::npos) << "the whole run's DOT is linked";
  EXPECT_NE(page.find("trace.shiviz.log"), std::string::npos);

  auto probe = dir.path() / "probe.html";
  {
    std::string text = page;
    text.insert(text.rfind("</body>"), kProbe);
    std::ofstream(probe) << text;
  }
  auto dom = dir.path() / "dom.html";
  std::string browse =
      chromium(dir.path() / "profile",
               fmt::format("--dump-dom file://{} > {} 2>/dev/null", probe.string(), dom.string()));
  ASSERT_EQ(std::system(browse.c_str()), 0) << "chromium could not open the report";
  auto v = probe_values(slurp(dom));
  ASSERT_FALSE(v.empty()) << "the probe did not run";
  EXPECT_EQ(v["rows"], static_cast<long>(bugs)) << "a row per bug in the summary table";
  EXPECT_EQ(v["view_width"], 1280);
  EXPECT_LE(v["page_width"], 1280) << "no sideways scrolling";
  EXPECT_GE(v["svg_left"], 0);
  EXPECT_LE(v["svg_right"], 1280) << "the first diagram fits the window's width";
  EXPECT_GT(v["svg_height"], 50);
  EXPECT_GE(v["fault_marks"], 1) << "the fault is marked";
  EXPECT_GE(v["dashed"], 1) << "the messages the fault removed are drawn dashed";
}

// Two processes over TCP, every fault in order: bugs in seconds, whatever the machine.
TEST(Report, ShowsEveryBugAndAFirstDiagramThatFitsWithItsFaultAndMissingMessages) {
  ScratchDir dir;
  auto spec = dir.write("target.toml", tcp_pair_spec(free_port()));
  auto out = dir.path() / "c";
  CommandResult r = run_fissure(fmt::format(
      "explore {} --strategy exhaustive --runs 12 --replays 1 -o {}", spec.string(), out.string()));
  ASSERT_EQ(r.exit_code, 1) << r.output;
  check_report(dir, out);
}

// The main job's campaign (hybrid, the spec's seed and jobs) up to its first bug
// (--until-answer), begun with the plan that partitions the master with its clients
// (experiments/plans/redis-sentinel/partition-master.json, which lost an acknowledged write in
// 10 of 10 replays): the report is the main job's, with the bug it finds. Left to the search
// alone, which run finds it follows the runs' timing and LDFI's order (run 7 in most
// campaigns looked at, none within 9 in one), and the test had to skip when none did.
TEST(Report, TheMainJobsReportShowsItsBugAndAFirstDiagramThatFitsWithItsFaultAndMissingMessages) {
  ScratchDir dir;
  const auto spec = sentinel_spec(dir);
  ASSERT_FALSE(spec.empty()) << "redis-sentinel's [faults] kinds changed: update this test";
  auto out = dir.path() / "c";
  const auto plan = std::filesystem::path(FISSURE_SOURCE_DIR) /
                    "experiments/plans/redis-sentinel/partition-master.json";
  CommandResult r = run_fissure(fmt::format("explore {} --plan {} --until-answer --runs 9 -o {}",
                                            spec.string(), plan.string(), out.string()));
  ASSERT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("found by plan at run 4"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("not linearizable"), std::string::npos) << r.output;
  // --until-answer stops before the bug's replays and its minimization, and says so.
  EXPECT_NE(slurp(out / "report.html")
                .find("Not replayed (the plan is not minimized: the campaign ended first)"),
            std::string::npos);
  check_report(dir, out);
}

}  // namespace
}  // namespace fissure::testing
