// The `fissure` command as a user runs it: output, files and exit codes.
#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

#include "cluster.hpp"

namespace fissure::testing {
namespace {

// Whether a live process's command line holds `words` (whole arguments, space-separated):
// read from /proc, since a machine without procps has no pgrep, and a missing pgrep would
// make every "nothing is left" check pass.
bool process_running(const std::string& words) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string pid = entry.path().filename();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream f(entry.path() / "cmdline");
    std::string line(std::istreambuf_iterator<char>(f), {});
    std::replace(line.begin(), line.end(), '\0', ' ');  // a zombie's is empty
    if ((" " + line).find(" " + words + " ") != std::string::npos) return true;
  }
  return false;
}

// One workload node, a shell command, judged by a shell oracle (no double quotes in either);
// `more` adds sections.
std::string oracle_spec(const std::string& name, const std::string& oracle_sh,
                        const std::string& workload_sh = "true", const std::string& more = "") {
  return fmt::format(R"(name = "{}"
[[node]]
name = "client"
role = "workload"
cmd = ["sh", "-c", "{}"]
[oracle]
cmd = ["sh", "-c", "{}"]
{})",
                     name, workload_sh, oracle_sh, more);
}

TEST(Cli, TracePrintsSummaryAndWritesTrace) {
  ScratchDir dir;
  auto port = free_port();
  auto spec = dir.write("target.toml", tcp_pair_spec(port));
  auto out = dir.path() / "out";
  CommandResult r = run_fissure(fmt::format("trace {} -o {} --json", spec.string(), out.string()));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("client       -> server             3 msgs        300 bytes"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("server       -> client             1 msgs        300 bytes"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("verdict: good"), std::string::npos);
  Trace t = load_binary((out / "trace.bin").string());
  EXPECT_EQ(t.target, "pair") << "the spec's name";
  std::ifstream js(out / "trace.json");
  Trace tj = read_json(js);
  EXPECT_EQ(tj.events.size(), t.events.size());
  EXPECT_EQ(tj.edges, t.edges);

  // A second run into the same directory is refused rather than mixed in.
  CommandResult again = run_fissure(fmt::format("trace {} -o {}", spec.string(), out.string()));
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.output.find("already exists and is not empty"), std::string::npos)
      << again.output;
}

TEST(Cli, BadSpecNamesFileLineAndField) {
  ScratchDir dir;
  auto spec = dir.write("target.toml", R"(name = "bad"
[[node]]
name = "a"
role = "workload"
cmd = ["true"]
colour = "blue"
)");
  CommandResult r = run_fissure("trace " + spec.string() + " -o " + (dir.path() / "o").string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find(spec.string() + ":6: node[0].colour: unknown key"), std::string::npos)
      << r.output;
}

TEST(Cli, MissingBinaryIsAnErrorBeforeAnythingStarts) {
  ScratchDir dir;
  auto spec = dir.write("target.toml", R"(name = "missing"
[[node]]
name = "a"
role = "workload"
cmd = ["./no-such-program"]
)");
  CommandResult r = run_fissure("trace " + spec.string() + " -o " + (dir.path() / "o").string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("node 'a' cmd"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("no-such-program"), std::string::npos) << r.output;
}

TEST(Cli, BugVerdictExitsOne) {
  ScratchDir dir;
  auto spec = dir.write("target.toml", oracle_spec("bug", "echo replica lost the write; exit 1"));
  CommandResult r = run_fissure("trace " + spec.string() + " -o " + (dir.path() / "o").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("verdict: bug: replica lost the write"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace fissure::testing

namespace fissure::testing {
namespace {

// The client's error ends the run, so the server's reads are in each replay's pattern only if
// the workload waits for them.
TEST(Cli, RunPrintsFiredAndUnreachedFaultsAndReplayReproduces) {
  ScratchDir dir;
  auto port = free_port();
  auto spec = dir.write("target.toml", tcp_pair_until_the_server_complains(port));
  auto plan = dir.write("plan.json", R"({"faults": [
    {"kind": "error", "errno": "EPIPE", "at": {"node": "client", "op": "send", "peer": "server", "k": 3}},
    {"kind": "delay", "ms": 10, "at": {"node": "client", "op": "send", "peer": "server", "k": 9}}]})");
  auto out = dir.path() / "r";
  CommandResult r = run_fissure(
      fmt::format("run {} --plan {} -o {}", spec.string(), plan.string(), out.string()));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(
      r.output.find(
          "fired: fail client send->server #3 with EPIPE (at client send->server #3, write in pid"),
      std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("NOT REACHED: delay client send->server #9 by 10ms"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("verdict: bug: workload node 'client' exited with 2 (expected 0)"),
            std::string::npos);

  CommandResult replay = run_fissure(fmt::format("replay {} -n 2", out.string()));
  EXPECT_EQ(replay.exit_code, 0) << replay.output;
  EXPECT_NE(replay.output.find("verdict reproduced 2/2, communication pattern reproduced 2/2"),
            std::string::npos)
      << replay.output;
}

TEST(Cli, GoodRunWithUnreachedFaultsIsInconclusive) {
  ScratchDir dir;
  auto port = free_port();
  auto spec = dir.write("target.toml", tcp_pair_spec(port));
  auto plan = dir.write(
      "plan.json",
      R"({"faults": [{"kind": "crash", "at": {"node": "server", "op": "send", "peer": "client", "k": 2}}]})");
  CommandResult r = run_fissure(fmt::format("run {} --plan {} -o {}", spec.string(), plan.string(),
                                            (dir.path() / "r").string()));
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("NOT REACHED: crash server just before server send->client #2"),
            std::string::npos)
      << r.output;
}

TEST(Cli, PointsListsEveryPointAndBadPlansAreRefused) {
  ScratchDir dir;
  auto port = free_port();
  auto spec = dir.write("target.toml", tcp_pair_spec(port));
  CommandResult points =
      run_fissure(fmt::format("points {} -o {}", spec.string(), (dir.path() / "p").string()));
  EXPECT_EQ(points.exit_code, 0) << points.output;
  EXPECT_NE(points.output.find("client       send       server                           3"),
            std::string::npos)
      << points.output;
  EXPECT_NE(points.output.find("server       accept     127.0.0.1:"), std::string::npos)
      << points.output;
  EXPECT_NE(points.output.find("injection points; verdict good"), std::string::npos);

  auto plan = dir.write(
      "bad.json",
      R"({"faults": [{"kind": "crash", "at": {"node": "serv", "op": "send", "peer": "client", "k": 1}}]})");
  CommandResult bad = run_fissure(fmt::format("run {} --plan {} -o {}", spec.string(),
                                              plan.string(), (dir.path() / "b").string()));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.output.find("fissure: bad plan: " + plan.string() +
                            ": fault[0].at.node: no node named 'serv' in the spec"),
            std::string::npos)
      << bad.output;
}

}  // namespace
}  // namespace fissure::testing

namespace fissure::testing {
namespace {

// `fissure show` of a redis-wait run: Graphviz reads the DOT (laying out 900 events
// takes it a quarter of a minute, so a redis-getset run is the one rendered), and the ShiViz
// log parses with ShiViz's default expression, each lane's own clock entry rising by one.
TEST(Cli, ShowRendersInGraphvizAndShiviz) {
  ScratchDir dir;
  auto out = dir.path() / "r";
  CommandResult run =
      run_fissure(fmt::format("trace {}/experiments/targets/redis-wait/target.toml -o {}",
                              FISSURE_SOURCE_DIR, out.string()));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  CommandResult dot = run_fissure(
      fmt::format("show {} --dot -o {}", out.string(), (dir.path() / "run.dot").string()));
  ASSERT_EQ(dot.exit_code, 0) << dot.output;
  std::string parse = fmt::format("gc -n {} > {} 2>&1", (dir.path() / "run.dot").string(),
                                  (dir.path() / "gc.txt").string());
  ASSERT_EQ(std::system(parse.c_str()), 0) << "Graphviz could not read the DOT";
  std::ifstream gc(dir.path() / "gc.txt");
  int nodes = 0;
  gc >> nodes;
  EXPECT_GT(nodes, 300) << "every communicating event is drawn";

  auto small = dir.path() / "g";
  ASSERT_EQ(run_fissure(fmt::format("trace {}/experiments/targets/redis-getset/target.toml -o {}",
                                    FISSURE_SOURCE_DIR, small.string()))
                .exit_code,
            0);
  ASSERT_EQ(run_fissure(
                fmt::format("show {} --dot -o {}", small.string(), (dir.path() / "g.dot").string()))
                .exit_code,
            0);
  std::string render = fmt::format("dot -Tpng {} -o {} 2>&1", (dir.path() / "g.dot").string(),
                                   (dir.path() / "g.png").string());
  ASSERT_EQ(std::system(render.c_str()), 0) << "Graphviz rejected the DOT";
  EXPECT_GT(std::filesystem::file_size(dir.path() / "g.png"), 10000u);

  CommandResult shiviz = run_fissure(fmt::format("show {} --shiviz", out.string()));
  ASSERT_EQ(shiviz.exit_code, 0);
  std::istringstream log(shiviz.output);
  std::string event, host_line;
  ASSERT_TRUE(std::getline(log, event) && std::getline(log, host_line));
  EXPECT_EQ(event, R"((?<event>.*)\n(?<host>\S*) (?<clock>{.*}))") << "ShiViz's parser, first";
  EXPECT_EQ(host_line, "") << "then no delimiter between executions";
  std::map<std::string, int> last;
  std::size_t events = 0;
  std::regex host_clock(R"((\S*) (\{.*\}))");
  while (std::getline(log, event) && std::getline(log, host_line)) {
    std::smatch m;
    ASSERT_TRUE(std::regex_match(host_line, m, host_clock)) << host_line;
    std::string host = m[1];
    std::smatch own;
    std::regex own_entry("\"" + host + "\":([0-9]+)");
    ASSERT_TRUE(std::regex_search(host_line, own, own_entry)) << host_line;
    int tick = std::stoi(own[1]);
    EXPECT_EQ(tick, last[host] + 1) << host_line;
    last[host] = tick;
    ++events;
  }
  EXPECT_GT(events, 500u);
  EXPECT_TRUE(last.contains("master.1") || last.contains("master"));
}

}  // namespace
}  // namespace fissure::testing

namespace fissure::testing {
namespace {

TEST(Cli, ExploreFindsBugsWithReproductionRates) {
  ScratchDir dir;
  auto spec = dir.write("target.toml", tcp_pair_spec(free_port()));
  auto out = dir.path() / "c";
  CommandResult r = run_fissure(
      fmt::format("explore {} --strategy exhaustive --runs 16 --jobs 2 --replays 2 -o {}",
                  spec.string(), out.string()));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  std::string summary = slurp(out / "summary.json");
  EXPECT_NE(summary.find("\"runs\": 16"), std::string::npos) << summary;
  EXPECT_NE(summary.find("\"exhausted\": false"), std::string::npos);
  EXPECT_NE(summary.find("\"reproduced\": 2"), std::string::npos)
      << "failing the client's calls fails the run every time";
  EXPECT_NE(summary.find("\"replay\": \"fissure replay "), std::string::npos);
  EXPECT_NE(r.output.find("BUG Safety: workload node 'client' exited with 2 (expected 0): "),
            std::string::npos)
      << "titled with the numbers and the client's last words\n"
      << r.output;
  EXPECT_TRUE(std::filesystem::exists(out / "runs" / "00015" / "run.json"))
      << "every run is kept, replayable";
}

TEST(Cli, ExploreSaysWhenTheStrategyIsExhausted) {
  ScratchDir dir;
  auto port = free_port();
  auto spec =
      dir.write("target.toml",
                tcp_pair_spec(port) +
                    "[faults]\nkinds = [\"delay\"]\nnodes = [\"server\"]\ndelays = [\"1ms\"]\n");
  auto out = dir.path() / "c";
  CommandResult r = run_fissure(fmt::format("explore {} --strategy exhaustive --runs 200 -o {}",
                                            spec.string(), out.string()));
  EXPECT_EQ(r.exit_code, 0) << "a short delay breaks nothing: " << r.output;
  std::string summary = slurp(out / "summary.json");
  EXPECT_NE(summary.find("\"exhausted\": true"), std::string::npos) << summary;
  EXPECT_NE(r.output.find("had nothing left to try"), std::string::npos) << r.output;
}

TEST(Cli, ExploreRefusesASpecWhoseOracleFailsWithoutFaults) {
  ScratchDir dir;
  auto spec = dir.write("target.toml", oracle_spec("broken", "echo always wrong; exit 1"));
  CommandResult r = run_fissure(
      fmt::format("explore {} --runs 5 -o {}", spec.string(), (dir.path() / "c").string()));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("the run fails without faults (bug: always wrong)"), std::string::npos)
      << r.output;

  // An oracle that fails from the second run on: the first baseline run is checkpointed, the
  // second refused; resumed, the campaign redoes its baseline and refuses it again instead of
  // exploring a broken spec.
  auto later = dir.write(
      "later.toml", oracle_spec("broken-later",
                                "n=$(cat ${SPEC_DIR}/count 2>/dev/null || echo 0); echo $((n+1)) > "
                                "${SPEC_DIR}/count; [ $n -eq 0 ] || { echo wrong now; exit 1; }"));
  auto c = dir.path() / "later";
  r = run_fissure(fmt::format("explore {} --runs 6 --jobs 1 -o {}", later.string(), c.string()));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  ASSERT_EQ(committed_runs(c).size(), 1u) << "the first run was good";
  r = run_fissure(fmt::format("explore --resume {}", c.string()));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("the run fails without faults (bug: wrong now)"), std::string::npos)
      << r.output;
}

// A plan whose failure shows two symptoms by turns: the second shows first in a replay of the
// first bug, and is a bug of its own, first seen in that replay.
TEST(Cli, ExploreTakesNewFailuresFromReplaysToo) {
  ScratchDir dir;
  auto spec = dir.write(
      "target.toml",
      oracle_spec("two-ways",
                  "grep -q hello ${RUN_DIR}/out && exit 0; n=$(cat ${SPEC_DIR}/n 2>/dev/null || "
                  "echo 0); echo $((n+1)) > ${SPEC_DIR}/n; [ $((n % 2)) -eq 0 ] && echo lost it "
                  "one way || echo lost it another way; exit 1",
                  "echo hello > ${RUN_DIR}/out", "[faults]\nkinds = [\"crash\"]\n"));
  auto out = dir.path() / "c";
  CommandResult r = run_fissure(
      fmt::format("explore {} --strategy exhaustive --runs 12 --jobs 1 --replays 3 -o {}",
                  spec.string(), out.string()));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("lost it one way"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("lost it another way"), std::string::npos)
      << "the crash before the write is the only failing plan: the second symptom came from "
         "a replay\n"
      << r.output;
}

// Stopped by its budget after dropping a plan's first fault lost the symptom, a campaign
// resumes by dropping the second, not the first again. (With seed 5 the first bug's plan is
// crashes just after both writes; only the one after the first write matters.)
TEST(Cli, ExploreResumesDroppingFaultsWhereItStopped) {
  ScratchDir dir;
  auto spec =
      dir.write("target.toml", oracle_spec("two-writes", "grep -q b ${RUN_DIR}/two",
                                           "echo a > ${RUN_DIR}/one; echo b > ${RUN_DIR}/two",
                                           "[faults]\nkinds = [\"crash\"]\nmax = 2\n"));
  auto out = dir.path() / "c";
  run_fissure(
      fmt::format("explore {} --strategy random --seed 5 --runs 8 --jobs 1 --replays 1 -o {}",
                  spec.string(), out.string()));
  std::string checkpoint = slurp(out / "checkpoint.json");
  ASSERT_NE(checkpoint.find("\"next_drop\": 1"), std::string::npos)
      << "dropping the first fault lost the symptom\n"
      << checkpoint;
  ASSERT_NE(slurp(out / "runs" / "00007" / "plan.json").find("${RUN_DIR}/two"), std::string::npos);
  run_fissure(fmt::format("explore --resume {} --runs 12", out.string()));
  std::string next = slurp(out / "runs" / "00008" / "plan.json");
  EXPECT_NE(next.find("${RUN_DIR}/one"), std::string::npos)
      << "the resumed campaign drops the second fault\n"
      << next;
}

// --plan's plan runs right after the baseline, before any the strategy proposes, and once:
// a resumed campaign given it again neither runs it again nor asks the strategy to have
// proposed it (the replay of the journal through the strategy would refuse).
TEST(Cli, ExploreRunsAGivenPlanFirstAndOnceAcrossAResume) {
  ScratchDir dir;
  const auto spec = std::filesystem::path(FISSURE_SUITE_DIR) / "simple-deliv" / "target.toml";
  const auto plan = dir.write(
      "drop.json",
      R"({"faults": [{"kind": "drop", "at": {"node": "a", "op": "send", "peer": "b", "k": 1}}]})");
  auto out = dir.path() / "c";
  auto r = run_fissure(fmt::format("explore {} --plan {} --runs 4 --jobs 1 --replays 0 -o {}",
                                   spec.string(), plan.string(), out.string()));
  ASSERT_NE(r.exit_code, 2) << r.output;
  EXPECT_NE(slurp(out / "runs" / "00003" / "plan.json").find("\"drop\""), std::string::npos);
  r = run_fissure(fmt::format("explore --resume {} --plan {} --runs 7 --replays 0", out.string(),
                              plan.string()));
  ASSERT_NE(r.exit_code, 2) << r.output;
  const std::string journal = slurp(out / "journal.jsonl");
  std::size_t given = 0;
  for (auto at = journal.find("\"proposer\": \"plan\""); at != std::string::npos;
       at = journal.find("\"proposer\": \"plan\"", at + 1))
    ++given;
  EXPECT_EQ(given, 1u) << journal;
  EXPECT_TRUE(std::filesystem::exists(out / "runs" / "00006")) << "the resumed campaign went on";
}

// A campaign made with a relative -o resumes and reports from anywhere.
TEST(Cli, ExploreCampaignsWorkFromAnyDirectory) {
  ScratchDir dir;
  auto spec = dir.write("target.toml", tcp_pair_spec(free_port()));
  CommandResult r = run_fissure_as(fmt::format("cd {} && {} explore {} --runs 5 --jobs 1 -o rel",
                                               dir.path().string(), FISSURE_BINARY, spec.string()));
  ASSERT_TRUE(r.exit_code == 0 || r.exit_code == 1) << r.output;
  auto c = dir.path() / "rel";
  r = run_fissure_as(fmt::format("cd / && {} report {}", FISSURE_BINARY, c.string()));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  r = run_fissure_as(
      fmt::format("cd / && {} explore --resume {} --runs 7", FISSURE_BINARY, c.string()));
  EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 1) << r.output;
  EXPECT_NE(r.output.find("7 runs"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace fissure::testing

namespace fissure::testing {
namespace {

// Plans of up to three server crashes: the first that fires fails the run (the others
// cannot fire in a dead node), so each bug's plan comes out minimized to a single fault.
// The client ignores SIGPIPE: else a write to the dead server kills it in one run and fails
// with EPIPE or ECONNRESET in the next, two symptoms of one plan, and the minimizer rightly
// keeps a fault whose removal changed the symptom.
TEST(Cli, ExploreMinimizesBugPlans) {
  ScratchDir dir;
  const auto port = free_port();
  auto spec = dir.write(
      "target.toml",
      server_client_spec(
          "pair", {prog("tcp_server"), std::to_string(port)}, fmt::format("tcp:{}", port),
          {"sh", "-c", fmt::format("trap '' PIPE; exec {} {}", prog("tcp_client"), port)}) +
          "[faults]\nkinds = [\"crash\"]\nnodes = [\"server\"]\nmax = 3\n");
  auto out = dir.path() / "c";
  CommandResult r = run_fissure(
      fmt::format("explore {} --strategy random --seed 3 --runs 40 --jobs 2 --replays 1 -o {}",
                  spec.string(), out.string()));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  std::string summary = slurp(out / "summary.json");
  std::size_t bugs = 0;
  for (std::size_t at = summary.find("\"symptom\""); at != std::string::npos;
       at = summary.find("\"symptom\"", at + 1)) {
    ++bugs;
    std::size_t plan = summary.find("\"plan\":", at), end = summary.find("\"plan_id\"", at);
    std::string plan_text = summary.substr(plan, end - plan);
    std::size_t kinds = 0;
    for (std::size_t k = plan_text.find("\\\"kind\\\""); k != std::string::npos;
         k = plan_text.find("\\\"kind\\\"", k + 1))
      ++kinds;
    EXPECT_EQ(kinds, 1u) << plan_text;
    EXPECT_NE(summary.find("\"minimized\": true", at), std::string::npos);
  }
  EXPECT_GE(bugs, 1u) << summary;
}

// Without root there are no namespaces to give each run: one line says what is missing and
// how to do without; --no-isolation then explores as an ordinary user.
TEST(Cli, ExploreWithoutRootSaysWhatIsMissing) {
  if (std::system("command -v setpriv > /dev/null") != 0) GTEST_SKIP() << "no setpriv";
  namespace fs = std::filesystem;
  // The build may sit where nobody cannot reach it (root's home is mode 700, and root clones
  // there), so nobody runs copies of fissure and the test programs, from a folder of their
  // own that anyone can read.
  char name[] = "/tmp/fissure-nobody-XXXXXX";
  ASSERT_NE(mkdtemp(name), nullptr) << "mkdtemp: " << std::strerror(errno);
  struct Removed {
    fs::path path;
    ~Removed() {
      std::error_code ec;
      fs::remove_all(path, ec);
    }
  } dir{name};
  const auto rwxr_xr_x = fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                         fs::perms::others_read | fs::perms::others_exec;
  fs::permissions(dir.path, rwxr_xr_x);
  auto stage = [&](const fs::path& from) {
    fs::path to = dir.path / from.filename();
    fs::copy_file(from, to);
    fs::permissions(to, rwxr_xr_x);
    return to.string();
  };
  const std::string fissure = stage(FISSURE_BINARY);
  const std::string port = std::to_string(free_port());
  const fs::path spec = dir.path / "target.toml";
  std::ofstream(spec) << server_client_spec("pair", {stage(prog("tcp_server")), port},
                                            "tcp:" + port, {stage(prog("tcp_client")), port});
  fs::permissions(spec, fs::perms::others_read, fs::perm_options::add);
  const fs::path out = dir.path / "out";  // nobody's campaigns
  fs::create_directory(out);
  fs::permissions(out, fs::perms::all);
  auto as_nobody = [&](const std::string& args) {
    // In a folder nobody can enter: the test's own working directory may be one it cannot.
    return run_fissure_as(
        fmt::format("cd {} && setpriv --reuid=65534 --regid=65534 --clear-groups {} {}",
                    dir.path.string(), fissure, args));
  };
  CommandResult r =
      as_nobody(fmt::format("explore {} --runs 4 -o {}", spec.string(), (out / "c").string()));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
  EXPECT_NE(r.output.find("run as root, or with --no-isolation"), std::string::npos) << r.output;
  r = as_nobody(fmt::format("explore {} --runs 4 --no-isolation --jobs 2 -o {}", spec.string(),
                            (out / "d").string()));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("use --jobs 1"), std::string::npos) << r.output;
  r = as_nobody(
      fmt::format("explore {} --runs 4 --no-isolation -o {}", spec.string(), (out / "d").string()));
  EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 1) << r.output;
  EXPECT_NE(r.output.find("4 runs"), std::string::npos) << r.output;
}

// Disk use grows with what is interesting: a run that showed nothing new keeps its
// observation, plan and record, not its trace; the first run and each bug's run keep theirs,
// and a resumed campaign needs no trace (the SIGKILL test resumes from observations).
TEST(Cli, ExploreKeepsWholeTracesOnlyOfInterestingRuns) {
  ScratchDir dir;
  auto spec = dir.write("target.toml",
                        tcp_pair_spec(free_port()) + "[faults]\nkinds = [\"crash\", \"error\"]\n");
  auto count = [](const std::filesystem::path& campaign, const char* file) {
    std::size_t n = 0;
    for (const auto& run : std::filesystem::directory_iterator(campaign / "runs"))
      n += std::filesystem::exists(run.path() / file);
    return n;
  };
  auto out = dir.path() / "c";
  CommandResult r = run_fissure(
      fmt::format("explore {} --strategy exhaustive --runs 30 --jobs 2 --replays 1 -o {}",
                  spec.string(), out.string()));
  ASSERT_EQ(r.exit_code, 1) << r.output;
  EXPECT_EQ(count(out, "observation.bin"), 30u);
  EXPECT_EQ(count(out, "run.json"), 30u);
  std::size_t traces = count(out, "trace.bin");
  EXPECT_LT(traces, 30u) << "uninteresting runs are summarized";
  EXPECT_TRUE(std::filesystem::exists(out / "runs" / "00000" / "trace.bin")) << "the first run";
  std::string summary = slurp(out / "summary.json");
  std::smatch m;
  std::string rest = summary;
  std::size_t bugs = 0;
  while (std::regex_search(rest, m, std::regex(R"re("first_run": "([^"]+)")re"))) {
    EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(m[1].str()) / "trace.bin")) << m[1];
    ++bugs;
    rest = m.suffix();
  }
  EXPECT_GE(bugs, 1u);
  std::filesystem::path summarized;
  for (const auto& run : std::filesystem::directory_iterator(out / "runs"))
    if (!std::filesystem::exists(run.path() / "trace.bin")) summarized = run.path();
  ASSERT_FALSE(summarized.empty());
  CommandResult show = run_fissure(fmt::format("show {}", summarized.string()));
  EXPECT_EQ(show.exit_code, 2);
  EXPECT_NE(show.output.find("fissure replay"), std::string::npos) << show.output;

  auto all = dir.path() / "all";
  r = run_fissure(fmt::format(
      "explore {} --strategy exhaustive --runs 30 --jobs 2 --replays 1 --keep-all -o {}",
      spec.string(), all.string()));
  ASSERT_EQ(r.exit_code, 1) << r.output;
  EXPECT_EQ(count(all, "trace.bin"), 30u);
}

// A client that gives up after 400 ms, and delays of 2 s at the server: every delay plan is a
// bug, and minimization bisects the delay down to about what the client tolerates.
TEST(Cli, ExploreShortensDelaysWhileMinimizing) {
  ScratchDir dir;
  auto port = free_port();
  auto spec =
      dir.write("target.toml",
                server_client_spec("impatient", {prog("tcp_server"), std::to_string(port)},
                                   fmt::format("tcp:{}", port),
                                   {"timeout", "0.4", prog("tcp_client"), std::to_string(port)}) +
                    "[faults]\nkinds = [\"delay\"]\nnodes = [\"server\"]\ndelays = [\"2s\"]\n");
  auto out = dir.path() / "c";
  CommandResult r = run_fissure(
      fmt::format("explore {} --strategy exhaustive --runs 24 --jobs 2 --replays 1 -o {}",
                  spec.string(), out.string()));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  std::string summary = slurp(out / "summary.json");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(summary, m, std::regex(R"(\\"ms\\": ([0-9]+))"))) << summary;
  int ms = std::stoi(m[1]);
  EXPECT_LT(ms, 1000) << "the 2 s delay was shortened";
  EXPECT_GE(ms, 100) << "but not below what the client tolerates";
  EXPECT_NE(summary.find("\"minimized\": true"), std::string::npos) << summary;

  // Stopped by its budget in the middle of the bisection, a campaign resumes it from the
  // bounds it had reached rather than from no delay.
  auto cut = dir.path() / "cut";
  std::string explore = fmt::format("explore {} --strategy exhaustive --jobs 2 --replays 1 -o {}",
                                    spec.string(), cut.string());
  r = run_fissure(explore + " --runs 13");
  std::string checkpoint = slurp(cut / "checkpoint.json");
  ASSERT_NE(checkpoint.find("\"minimized\": false"), std::string::npos) << checkpoint;
  ASSERT_TRUE(std::regex_search(checkpoint, m, std::regex(R"("not_shown": \[\s*([0-9]+))")))
      << checkpoint;
  int lower = std::stoi(m[1]);
  ASSERT_GT(lower, 0) << "the budget ran out after a delay that did not show the bug";
  r = run_fissure(fmt::format("explore --resume {} --runs 16", cut.string()));
  std::string next = slurp(cut / "runs" / "00013" / "plan.json");
  ASSERT_TRUE(std::regex_search(next, m, std::regex(R"("ms": ([0-9]+))"))) << next;
  EXPECT_GT(std::stoi(m[1]), lower) << "the bisection went on above its lower end";
}

}  // namespace
}  // namespace fissure::testing

namespace fissure::testing {
namespace {

// Runs the campaign's journal has committed.
std::size_t journal_size(const std::filesystem::path& campaign) {
  return committed_runs(campaign).size();
}

// kill -9 in the middle of a campaign, then --resume: every run from 0 to the budget is done
// exactly once, and nothing of the killed campaign survives.
TEST(Cli, ExploreResumesAfterSigkillWithoutGapOrDuplicate) {
  ScratchDir dir;
  auto port = free_port();
  auto spec =
      dir.write("target.toml",
                server_client_spec(
                    "slow", {prog("tcp_server"), std::to_string(port)}, fmt::format("tcp:{}", port),
                    {"sh", "-c", fmt::format("sleep 0.08; exec {} {}", prog("tcp_client"), port)}));
  auto out = dir.path() / "c";
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    dup2(null, 2);
    execl(FISSURE_BINARY, "fissure", "explore", spec.c_str(), "--strategy", "random", "--seed", "5",
          "--runs", "40", "--jobs", "2", "--replays", "1", "-o", out.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  // Killed once a run past the checkpoint is complete (its batch still running).
  auto completed_past_checkpoint = [&] {
    std::size_t journal = journal_size(out);
    return journal >= 8 && std::filesystem::exists(out / "runs" / fmt::format("{:05}", journal) /
                                                   "observation.bin");
  };
  while (!completed_past_checkpoint() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  std::size_t before = journal_size(out);
  ASSERT_GE(before, 8u);
  ASSERT_LT(before, 40u) << "killed in the middle";
  ASSERT_TRUE(
      std::filesystem::exists(out / "runs" / fmt::format("{:05}", before) / "observation.bin"))
      << "a run past the checkpoint was complete";
  // Runs the killed campaign completed after its last checkpoint are taken as they are.
  std::map<std::filesystem::path, std::filesystem::file_time_type> completed_after;
  for (std::size_t i = before; i < 40; ++i) {
    auto run = out / "runs" / fmt::format("{:05}", i);
    if (std::filesystem::exists(run / "observation.bin"))
      completed_after[run] = std::filesystem::last_write_time(run / "run.json");
  }
  // They die as the kernel tears down the killed campaign's namespaces, however long it takes.
  const std::string server = fmt::format("{} {}", prog("tcp_server"), port);
  auto gone = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (process_running(server) && std::chrono::steady_clock::now() < gone)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(process_running(server)) << "the killed campaign's runs died with it";

  CommandResult resumed = run_fissure(fmt::format("explore --resume {}", out.string()));
  EXPECT_TRUE(resumed.exit_code == 0 || resumed.exit_code == 1) << resumed.output;
  EXPECT_NE(resumed.output.find(fmt::format("resumed after {} runs", before)), std::string::npos)
      << resumed.output;
  EXPECT_EQ(journal_size(out), 40u);
  auto runs = committed_runs(out);
  for (int i = 0; i < 40; ++i) {
    EXPECT_NE(runs.at(i).find(fmt::format("\"index\": {},", i)), std::string::npos)
        << "run " << i << " is missing";
    EXPECT_TRUE(std::filesystem::exists(out / "runs" / fmt::format("{:05}", i) / "run.json")) << i;
  }
  EXPECT_FALSE(std::filesystem::exists(out / "runs" / "00040")) << "no run beyond the budget";
  for (const auto& [run, written] : completed_after)
    EXPECT_EQ(std::filesystem::last_write_time(run / "run.json"), written)
        << run << " was completed before the kill and not run again";
  EXPECT_NE(slurp(out / "summary.json").find("\"runs\": 40"), std::string::npos);
}

// The journal cut in the middle of a record, as a kill -9 in the middle of an append leaves it:
// the resumed campaign goes on from the commit before the cut, takes the runs made after it as
// they are, and ends with the very journal the campaign had before the cut.
TEST(Cli, ExploreResumesFromAJournalCutMidRecord) {
  ScratchDir dir;
  auto port = free_port();
  auto spec =
      dir.write("target.toml", server_client_spec("cut", {prog("tcp_server"), std::to_string(port)},
                                                  fmt::format("tcp:{}", port),
                                                  {prog("tcp_client"), std::to_string(port)}));
  auto out = dir.path() / "c";
  CommandResult r =
      run_fissure(fmt::format("explore {} --strategy random --seed 5 --runs 24 --jobs 2 "
                              "--replays 1 -o {}",
                              spec.string(), out.string()));
  ASSERT_TRUE(r.exit_code == 0 || r.exit_code == 1) << r.output;
  const auto whole = committed_runs(out);
  ASSERT_EQ(whole.size(), 24u);
  // The cut: halfway through the first run record after a commit of at least 8 runs.
  const std::string text = slurp(out / "journal.jsonl");
  std::size_t at = 0, runs = 0, committed = 0, cut = std::string::npos;
  while (at < text.size() && cut == std::string::npos) {
    std::size_t end = text.find('\n', at);
    ASSERT_NE(end, std::string::npos);
    std::string line = text.substr(at, end - at);
    if (line.starts_with("{\"run\"")) {
      if (committed >= 8) cut = at + line.size() / 2;
      ++runs;
    } else {
      committed = runs;
    }
    at = end + 1;
  }
  ASSERT_NE(cut, std::string::npos);
  ASSERT_LT(committed, 24u);
  std::filesystem::resize_file(out / "journal.jsonl", cut);
  EXPECT_EQ(committed_runs(out).size(), committed);
  std::map<std::filesystem::path, std::filesystem::file_time_type> made_after;
  for (std::size_t i = committed; i < 24; ++i) {
    auto run = out / "runs" / fmt::format("{:05}", i);
    made_after[run] = std::filesystem::last_write_time(run / "run.json");
  }

  CommandResult resumed = run_fissure(fmt::format("explore --resume {}", out.string()));
  EXPECT_TRUE(resumed.exit_code == 0 || resumed.exit_code == 1) << resumed.output;
  EXPECT_NE(resumed.output.find(fmt::format("resumed after {} runs", committed)), std::string::npos)
      << resumed.output;
  EXPECT_EQ(committed_runs(out), whole) << "the same runs, in the same order, once each";
  for (const auto& [run, written] : made_after)
    EXPECT_EQ(std::filesystem::last_write_time(run / "run.json"), written)
        << run << " was taken as it was, not run again";
  EXPECT_FALSE(std::filesystem::exists(out / "runs" / "00024")) << "no run beyond the budget";
  EXPECT_NE(slurp(out / "summary.json").find("\"runs\": 24"), std::string::npos);
}

}  // namespace
}  // namespace fissure::testing

namespace fissure::testing {
namespace {

TEST(Cli, ExploreStopsCleanlyOnCtrlCAndResumes) {
  ScratchDir dir;
  auto port = free_port();
  auto spec =
      dir.write("target.toml",
                server_client_spec(
                    "slow", {prog("tcp_server"), std::to_string(port)}, fmt::format("tcp:{}", port),
                    {"sh", "-c", fmt::format("sleep 0.08; exec {} {}", prog("tcp_client"), port)}));
  auto out = dir.path() / "c";
  auto log = dir.path() / "out.txt";
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    execl(FISSURE_BINARY, "fissure", "explore", spec.c_str(), "--runs", "30", "--jobs", "2",
          "--replays", "1", "-o", out.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (journal_size(out) < 6 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  kill(pid, SIGINT);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status)) << "stopped by the signal instead of stopping cleanly";
  std::string said = slurp(log);
  EXPECT_NE(said.find("stopped after"), std::string::npos) << said;
  EXPECT_NE(said.find("fissure explore --resume " + out.string()), std::string::npos) << said;
  std::size_t done = journal_size(out);
  EXPECT_LT(done, 30u);
  EXPECT_TRUE(std::filesystem::exists(out / "summary.json"));

  CommandResult resumed = run_fissure(fmt::format("explore --resume {}", out.string()));
  EXPECT_TRUE(resumed.exit_code == 0 || resumed.exit_code == 1) << resumed.output;
  EXPECT_EQ(journal_size(out), 30u);
}

}  // namespace
}  // namespace fissure::testing

namespace fissure::testing {
namespace {

TEST(Cli, ExploreKeepsToItsTimeBudgetAndRefusesAnUnwritableDir) {
  ScratchDir dir;
  auto spec = dir.write("target.toml", tcp_pair_spec(free_port()));
  auto start = std::chrono::steady_clock::now();
  CommandResult r = run_fissure(fmt::format("explore {} --runs 100000 --time 1500ms -o {}",
                                            spec.string(), (dir.path() / "c").string()));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_NE(r.output.find("stopped after"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("time budget"), std::string::npos);

  CommandResult bad = run_fissure(fmt::format("explore {} -o /proc/no-such-dir/c", spec.string()));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.output.find("fissure: cannot write the campaign directory /proc/no-such-dir/c"),
            std::string::npos)
      << bad.output;
}

// A service that forks children ignoring SIGTERM, crashed and restarted by the campaign's
// plans: the campaign goes on, and no child of any run survives it.
TEST(Cli, ExploreLeavesNothingBehindFromStubbornTargets) {
  ScratchDir dir;
  auto port = free_port();
  auto spec =
      dir.write("target.toml", fmt::format(R"(name = "stubborn"
[[node]]
name = "server"
cmd = ["sh", "-c", "for i in 1 2 3 4 5; do (trap '' TERM; exec sleep 5151.{}) & done; exec {} {}"]
ready = "tcp:{}"
[[node]]
name = "client"
role = "workload"
cmd = {}
[oracle]
workload_exit = 0
[faults]
kinds = ["crash", "restart"]
nodes = ["server"]
)",
                                           port % 100, prog("tcp_server"), port, port,
                                           toml_array({prog("tcp_client"), std::to_string(port)})));
  CommandResult r = run_fissure(
      fmt::format("explore {} --strategy exhaustive --runs 14 --jobs 2 --replays 1 -o {}",
                  spec.string(), (dir.path() / "c").string()));
  EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 1) << r.output;
  EXPECT_NE(slurp(dir.path() / "c" / "summary.json").find("\"runs\": 14"), std::string::npos);
  EXPECT_FALSE(process_running(fmt::format("sleep 5151.{}", port % 100)))
      << "a stubborn child outlived its run";
}

}  // namespace
}  // namespace fissure::testing
