// The fissure command line. Exit status: 0 the run was good, 1 the run showed a bug or a
// hang, 2 a usage, spec, plan or environment error (the message says which), 3 the run was
// good but some planned faults never fired, so it says nothing about them.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cereal/archives/json.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>
#include <csignal>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "campaign.hpp"
#include "check_command.hpp"
#include "fissure/model/lineage.hpp"
#include "fissure/model/pattern.hpp"
#include "fissure/model/summary.hpp"
#include "fissure/model/views.hpp"
#include "fissure/tracer/faults.hpp"
#include "fissure/tracer/spec.hpp"
#include "fissure/tracer/tracer.hpp"
#include "mpi_executor.hpp"
#include "mpi_worker.hpp"
#include "report.hpp"
#include "run_record.hpp"

namespace {

namespace fs = std::filesystem;
using fissure::RunRecord;
using fissure::RunSettings;

constexpr int kExitGood = 0;
constexpr int kExitBug = 1;
constexpr int kExitError = 2;
constexpr int kExitUnreached = 3;

fs::path new_run_dir(const std::string& requested, const std::string& target) {
  if (!requested.empty()) {
    fs::path dir(requested);
    if (fs::exists(dir) && !fs::is_empty(dir))
      throw fissure::RunError(
          fmt::format("{}: already exists and is not empty; choose a new -o DIR", requested));
    return dir;
  }
  std::time_t now = std::time(nullptr);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::localtime(&now));
  fs::path base = fs::path("runs") / fmt::format("{}-{}", target, stamp);
  fs::path dir = base;
  for (int n = 2; fs::exists(dir); ++n) dir = fmt::format("{}-{}", base.string(), n);
  return dir;
}

std::vector<std::string> node_names(const fissure::Spec& spec) {
  std::vector<std::string> names;
  for (const auto& n : spec.nodes) names.push_back(n.name);
  return names;
}

int exit_code(const fissure::RunResult& r) {
  switch (r.verdict.kind) {
    case fissure::VerdictKind::Good:
      return r.unreached.empty() ? kExitGood : kExitUnreached;
    case fissure::VerdictKind::StartFailed:
      return kExitError;
    case fissure::VerdictKind::Bug:
    case fissure::VerdictKind::Hang:
      return kExitBug;
  }
  return kExitError;
}

// The verdict, and for a failure what broke.
void print_verdict(const fissure::Verdict& v) {
  std::cout << fmt::format("verdict: {}: {}\n", to_string(v.kind), v.message);
  if (v.cls != fissure::VerdictClass::None)
    std::cout << fmt::format("class: {}\n", to_string(v.cls));
}

void print_faults(const fissure::RunResult& r) {
  const auto& plan = r.trace.plan;
  for (const auto& f : r.trace.fired) {
    const auto& e = r.trace.events.at(f.event);
    double at_ms = static_cast<double>(f.time_ns - r.trace.start_ns) / 1e6;
    std::cout << fmt::format("fired: {} (at {}, {} in pid {}, {:.1f}ms){}\n",
                             describe(plan.faults[f.fault]),
                             e.point.empty() ? std::string(to_string(e.sys)) : to_string(e.point),
                             to_string(e.sys), e.pid, at_ms, f.note.empty() ? "" : ": " + f.note);
  }
  for (auto i : r.unreached)
    std::cout << fmt::format(
        "NOT REACHED: {} (the run never got there; it says nothing about this fault)\n",
        describe(plan.faults[i]));
}

int cmd_trace(const std::string& spec_path, const std::string& out, const RunSettings& s) {
  fissure::Spec spec = fissure::load_spec(spec_path);
  fs::path dir = new_run_dir(out, spec.name);
  fissure::RunResult r = fissure::run_and_keep(spec, {}, dir, s);
  std::cout << fissure::format_summary(r.trace, fissure::summarize(r.trace));
  print_verdict(r.verdict);
  std::cout << fmt::format("trace: {}{}\n", (dir / "trace.bin").string(),
                           s.json ? fmt::format(" (and {})", (dir / "trace.json").string()) : "");
  return exit_code(r);
}

int cmd_run(const std::string& spec_path, const std::string& plan_path, const std::string& out,
            const RunSettings& s) {
  fissure::Spec spec = fissure::load_spec(spec_path);
  fissure::FaultPlan plan = fissure::load_plan(plan_path, node_names(spec));
  fs::path dir = new_run_dir(out, spec.name);
  fissure::RunResult r = fissure::run_and_keep(spec, plan, dir, s);
  std::cout << fmt::format("plan {} ({} fault{})\n", plan.id(), plan.faults.size(),
                           plan.faults.size() == 1 ? "" : "s");
  print_faults(r);
  print_verdict(r.verdict);
  std::cout << fmt::format("trace: {} (replay: fissure replay {})\n", (dir / "trace.bin").string(),
                           dir.string());
  return exit_code(r);
}

int cmd_points(const std::string& spec_path, const std::string& out, const RunSettings& s) {
  fissure::Spec spec = fissure::load_spec(spec_path);
  fs::path dir = new_run_dir(out, spec.name);
  fissure::RunResult r = fissure::run_and_keep(spec, {}, dir, s);
  std::size_t n = 0;
  for (const auto& e : r.trace.events) {
    if (e.point.empty()) continue;
    ++n;
    std::cout << fmt::format("{:<12} {:<10} {:<28} {:>5}   ({} at {:.1f}ms)\n", e.point.node,
                             to_string(e.point.op), e.point.peer, e.point.k, to_string(e.sys),
                             static_cast<double>(e.time_ns - r.trace.start_ns) / 1e6);
  }
  std::cerr << fmt::format("{} injection points; verdict {}; trace {}\n", n,
                           to_string(r.verdict.kind), (dir / "trace.bin").string());
  return exit_code(r);
}

int cmd_replay(const std::string& run_dir, int times) {
  fs::path dir(run_dir);
  RunRecord rec = fissure::read_run_record(dir);
  fissure::Spec spec = fissure::load_spec(rec.spec);
  fissure::FaultPlan plan = fissure::load_plan((dir / "plan.json").string(), node_names(spec));
  std::optional<fissure::Trace> recorded;
  try {
    recorded = fissure::load_run_trace(dir);
  } catch (const fissure::TraceVersionError& e) {  // run.json still has the pattern's hash
    std::cerr << fmt::format("fissure: {}; comparing with the recorded pattern's hash\n", e.what());
  }
  std::optional<fissure::CommPattern> want;  // a summarized run keeps only the pattern's hash
  if (recorded) want = fissure::comm_pattern(*recorded);
  int same_verdict = 0, same_pattern = 0;
  for (int i = 1; i <= times; ++i) {
    fs::path rdir = dir / fmt::format("replay-{}", i);
    for (int n = 2; fs::exists(rdir); ++n) rdir = dir / fmt::format("replay-{}-{}", i, n);
    fissure::RunResult r = fissure::run_and_keep(
        spec, plan, rdir,
        {.cpu = rec.cpu, .json = false, .exact = rec.exact, .isolate = rec.isolate});
    auto recorded_verdict = rec.read_verdict();
    bool verdict_ok = recorded_verdict && r.verdict.kind == recorded_verdict->kind &&
                      r.verdict.cls == recorded_verdict->cls;
    fissure::CommPattern got = fissure::comm_pattern(r.trace);
    bool pattern_ok = want ? got == *want : got.hash() == rec.pattern;
    same_verdict += verdict_ok;
    same_pattern += pattern_ok;
    std::cout << fmt::format(
        "replay {}: verdict {} ({}), pattern {}{}\n", i, to_string(r.verdict.kind),
        verdict_ok ? "same" : "DIFFERENT from " + rec.verdict, pattern_ok ? "same" : "DIFFERENT",
        pattern_ok ? ""
        : want     ? ": " + fissure::first_difference(*want, got)
                   : " (no recorded trace to say where)");
  }
  std::cout << fmt::format("verdict reproduced {}/{}, communication pattern reproduced {}/{}\n",
                           same_verdict, times, same_pattern, times);
  return same_verdict == times ? kExitGood : kExitBug;
}

// A recorded run for people (DOT, the summary) and tools (ShiViz, JSON).
int cmd_show(const std::string& run_dir, const std::string& format, const std::string& out) {
  fissure::Trace t = fissure::require_run_trace(run_dir);
  std::ofstream file;
  if (!out.empty()) {
    file.open(out);
    if (!file) throw fissure::RunError(fmt::format("cannot write {}", out));
  }
  std::ostream& os = out.empty() ? std::cout : file;
  if (format == "json") {
    fissure::write_json(t, os);
    os << "\n";
    return kExitGood;
  }
  if (format == "summary") {
    os << fissure::format_summary(t, fissure::summarize(t));
    return kExitGood;
  }
  fissure::CommGraph graph(t);
  if (format == "lineage") {
    for (const fissure::Support& s : fissure::supports_of(graph, fissure::outcome_events(t))) {
      std::uint64_t o = s.outcome;
      os << fmt::format("outcome {} (event {}): {} events from {} node(s), {} message(s)\n",
                        fissure::outcome_key(t, o), o, s.events.size(), s.nodes.size(),
                        s.messages.size());
      for (const auto& m : s.messages) os << fmt::format("  message {}\n", to_string(m));
      for (std::uint64_t d : fissure::dominating_messages(graph, s))
        os << fmt::format("  on every path: {}\n", to_string(t.events[d].point));
    }
    return kExitGood;
  }
  if (format == "dot") fissure::write_dot(graph, os);
  if (format == "shiviz") fissure::write_shiviz(graph, os);
  return kExitGood;
}

// A campaign: baseline, then the strategy's plans, `jobs` at a time; bugs with their
// reproduction rates in summary.json.
// Which campaign flags the user gave: the spec's [explore] fills in the others.
struct GivenFlags {
  bool strategy = false, runs = false, jobs = false, seed = false, time = false;
};

// Under MPI (--mpi), rank 0 is the campaign's coordinator and every other rank a worker.
struct MpiRole {
  fissure::mpi::World* world = nullptr;  // none: a campaign on this machine alone
  std::string worker_dir;                // where a worker keeps its runs
};

int cmd_explore(const std::string& spec_path, const std::string& out, const std::string& resume,
                fissure::CampaignOptions opt, const GivenFlags& given, const std::string& time,
                const MpiRole& mpi, const std::vector<std::string>& plan_files) {
  // A worker is told the spec and the campaign by the coordinator: the campaign directory is
  // on the coordinator's disk only.
  if (mpi.world && fissure::mpi::rank() != 0)
    return fissure::run_mpi_worker(given.jobs ? opt.jobs : 0, mpi.worker_dir);
  if (!resume.empty()) {
    opt.resume = true;
    opt.dir = resume;
  }
  if (spec_path.empty() && resume.empty())
    throw fissure::RunError("explore needs a SPEC, or --resume CAMPAIGN_DIR");
  fissure::Spec spec =
      fissure::load_spec(resume.empty() ? fs::path(spec_path) : fissure::campaign_spec(opt.dir));
  std::vector<std::string> node_names;
  for (const auto& n : spec.nodes) node_names.push_back(n.name);
  for (const auto& f : plan_files) opt.plans.push_back(fissure::load_plan(f, node_names));
  const auto& d = spec.explore;
  if (!given.strategy && d.strategy) opt.strategy = *d.strategy;
  if (!given.runs && d.runs && resume.empty()) opt.runs = *d.runs;
  if (!given.jobs && d.jobs) opt.jobs = *d.jobs;
  if (!given.seed && d.seed) opt.seed = *d.seed;
  if (given.time) {
    try {
      opt.time = fissure::parse_duration(time);
    } catch (const std::invalid_argument& e) {
      throw fissure::RunError(fmt::format("--time: {}", e.what()));
    }
  } else if (d.time) {
    opt.time = *d.time;
  }
  if (!opt.isolate && opt.jobs > 1 && !mpi.world)
    throw fissure::RunError(
        "--no-isolation runs share this machine's ports and processes, so they cannot run side "
        "by side: use --jobs 1");
  if (resume.empty()) {
    opt.dir = new_run_dir(out, spec.name + "-explore");
    std::error_code ec;
    fs::create_directories(opt.dir, ec);
    if (ec || access(opt.dir.c_str(), W_OK) != 0)
      throw fissure::RunError(fmt::format("cannot write the campaign directory {}: {}",
                                          opt.dir.string(),
                                          ec ? ec.message() : std::string(strerror(errno))));
  }
  // A live line on a terminal, plain lines otherwise.
  const bool tty = isatty(2);
  opt.progress = [tty](const std::string& line) {
    if (tty)
      std::cerr << "\r\033[K" << line << std::flush;
    else
      std::cerr << "fissure: " << line << std::endl;
  };
  // Ctrl-C: finish the runs in flight, keep the checkpoint, stop.
  static volatile sig_atomic_t interrupted = 0;
  signal(SIGINT, [](int) { interrupted = 1; });
  signal(SIGTERM, [](int) { interrupted = 1; });
  opt.stop_requested = [] { return interrupted != 0; };
  std::unique_ptr<fissure::MpiExecutor> executor;
  if (mpi.world) {
    executor = std::make_unique<fissure::MpiExecutor>(*mpi.world, spec.file, opt.dir);
    std::vector<std::string> where;
    for (const auto& w : executor->workers())
      where.push_back(fmt::format("{} ({} at once, runs in {})", w.host, w.slots, w.root));
    opt.progress(fmt::format("{} workers, {} runs at once: {}", executor->workers().size(),
                             executor->slots(), fmt::join(where, ", ")));
    opt.executor = executor.get();
  }
  fissure::CampaignResult r = fissure::run_campaign(spec, opt);
  if (tty) std::cerr << "\n";
  if (r.stopped)
    std::cout << fmt::format("stopped after {} runs{}; go on with: fissure explore --resume {}\n",
                             r.runs, opt.time ? " (Ctrl-C, or the time budget was spent)" : "",
                             opt.dir.string());
  fissure::write_summary(r, opt.dir / "summary.json");
  fissure::write_report(opt.dir, r, spec.name);
  std::cout << fmt::format(
      "{} runs, {} unique signatures{}\n", r.runs, r.unique_signatures,
      r.exhausted ? fmt::format(", and the {} strategy had nothing left to try", r.strategy) : "");
  // Bugs that did not come back in any replay are listed after the others, as flaky.
  for (bool flaky : {false, true})
    for (const auto& b : r.bugs)
      if (b.flaky() == flaky)
        std::cout << fmt::format(
            "{} {}\n  found by {} at run {}; reproduced {}/{} replays; plan {}; first seen in {}\n"
            "  replay: fissure replay {}\n",
            flaky ? "FLAKY" : "BUG", b.title, b.found_by, b.found_at, b.reproduced, b.replays,
            b.plan.id(), b.first_run, b.first_run);
  if (r.runs_to_first_bug)
    std::cout << fmt::format(
        "first failure after {} runs, counted as Molly counts (plus {} "
        "more baseline runs)\n",
        *r.runs_to_first_bug, r.baseline > 0 ? r.baseline - 1 : 0);
  if (r.certified) {
    const auto& c = r.certified->bounds;
    std::vector<std::string> kinds;
    for (auto k : c.kinds) kinds.emplace_back(fissure::to_string(k));
    std::cout << fmt::format(
        "no counterexample within bounds: at most {} fault(s) of kinds {} on nodes {}, over {} "
        "injection points seen; {} hypotheses run, {} supports learned; certified after {} "
        "runs\n",
        c.max_faults, fmt::join(kinds, ", "), fmt::join(c.nodes, ", "), c.points, c.hypotheses,
        c.supports, r.certified->at_run);
    for (const auto& a : c.assumptions) std::cout << "  assumes: " << a << "\n";
    for (const auto& u : c.unfireable) std::cout << "  cannot fire: " << u << "\n";
  }
  std::cout << fmt::format("summary: {}\nreport: {}\n", (opt.dir / "summary.json").string(),
                           (opt.dir / "report.html").string());
  return r.bugs.empty() ? kExitGood : kExitBug;
}

int cmd_report(const std::string& dir) {
  fissure::CampaignResult r = fissure::read_summary(fs::path(dir) / "summary.json");
  fissure::write_report(dir, r, fissure::load_spec(fissure::campaign_spec(dir)).name);
  std::cout << fmt::format("report: {} and {}\n", (fs::path(dir) / "report.html").string(),
                           (fs::path(dir) / "report.md").string());
  return kExitGood;
}

// The filter's syscalls: fork and friends come from ptrace events and stop nowhere else.
int cmd_syscalls(bool comma) {
  std::string sep;
  for (const fissure::SysInfo& row : fissure::syscall_table()) {
    if (!row.in_filter()) continue;
    std::cout << (comma ? sep : "") << row.name << (comma ? "" : "\n");
    sep = ",";
  }
  if (comma) std::cout << "\n";
  return kExitGood;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"fissure: find fault-tolerance bugs in real distributed systems"};
  app.require_subcommand(1);

  std::string spec_path, out_dir, plan_path, run_dir;
  RunSettings settings;
  int times = 1;
  bool comma = false;
  auto run_options = [&](CLI::App* cmd) {
    cmd->add_option("SPEC", spec_path, "target spec (target.toml)")->required();
    cmd->add_option("-o,--out", out_dir, "run directory (default: runs/NAME-TIMESTAMP)");
    cmd->add_option("--cpu", settings.cpu,
                    "CPU to pin the tracer and the nodes to (-1: no pinning)")
        ->default_val(0);
    cmd->add_flag("--json", settings.json, "also write trace.json");
    cmd->add_flag("--exact", settings.exact,
                  "stop at the exit of every TCP data syscall for its exact result (slower)");
    cmd->add_flag(
        "!--no-isolation", settings.isolate,
        "share this machine's network and processes instead of namespaces of the run's own");
  };
  CLI::App* trace =
      app.add_subcommand("trace", "Run the cluster once without faults and record its trace");
  run_options(trace);
  CLI::App* run = app.add_subcommand("run", "Run the cluster once with a fault plan");
  run_options(run);
  run->add_option("--plan", plan_path, "fault plan (JSON)")->required();
  CLI::App* points =
      app.add_subcommand("points", "Run without faults and list the injection points");
  run_options(points);
  CLI::App* replay =
      app.add_subcommand("replay", "Re-run a recorded run's plan; compare verdict and pattern");
  replay->add_option("RUN_DIR", run_dir, "a run directory written by trace, run or points")
      ->required();
  replay->add_option("-n,--times", times, "how many replays")
      ->default_val(1)
      ->check(CLI::PositiveNumber);
  std::string show_format = "summary", show_out;
  CLI::App* show = app.add_subcommand(
      "show", "Show a recorded run: --dot, --shiviz, --json, --lineage or the summary");
  show->add_option("RUN_DIR", run_dir, "a run directory")->required();
  auto* fmt_group = show->add_option_group("format");
  fmt_group->add_flag_callback(
      "--dot", [&] { show_format = "dot"; },
      "Graphviz DOT: a lane per thread, messages as arrows, faults in red");
  fmt_group->add_flag_callback(
      "--shiviz", [&] { show_format = "shiviz"; }, "ShiViz log: events with vector clocks");
  fmt_group->add_flag_callback(
      "--json", [&] { show_format = "json"; }, "the whole trace as JSON");
  fmt_group->add_flag_callback(
      "--lineage", [&] { show_format = "lineage"; },
      "the good outcome's supports: messages it depended on, single points of failure");
  fmt_group->require_option(0, 1);
  show->add_option("-o,--output", show_out, "write to this file instead of standard output");
  fissure::CampaignOptions explore_opt;
  std::vector<std::string> explore_plans;
  CLI::App* explore =
      app.add_subcommand("explore", "Explore faults: baseline runs, then a strategy's plans");
  std::string resume_dir, explore_time;
  auto* time_option = explore->add_option("--time", explore_time,
                                          "stop after this long (e.g. 8h, 30m); --resume goes on");
  explore->add_option("SPEC", spec_path, "target spec (target.toml)");
  explore->add_option("--resume", resume_dir, "go on with a campaign that was stopped or killed");
  explore->add_option("-o,--out", out_dir,
                      "campaign directory (default: runs/NAME-explore-TIMESTAMP)");
  auto* strategy_option = explore
                              ->add_option("--strategy", explore_opt.strategy,
                                           "hybrid (default), ldfi, coverage, random or exhaustive")
                              ->default_val(fissure::kDefaultStrategy);
  auto* runs_option =
      explore
          ->add_option("--runs", explore_opt.runs, "runs in all: baseline, exploration and replays")
          ->default_val(50)
          ->check(CLI::PositiveNumber);
  auto* jobs_option =
      explore->add_option("--jobs", explore_opt.jobs, "runs at once, each pinned to its own CPU")
          ->default_val(1)
          ->check(CLI::Range(1u, 64u));
  auto* seed_option = explore
                          ->add_option("--seed", explore_opt.seed,
                                       "seed of the strategy (random draws, Z3, mutations)")
                          ->default_val(1);
  explore
      ->add_option("--replays", explore_opt.replays,
                   "replays of each new bug, for its reproduction rate")
      ->default_val(5);
  explore->add_flag("--keep-all", explore_opt.keep_all,
                    "keep every run's whole trace (by default, only the first run's, each "
                    "bug's and the bugs' replays')");
  explore->add_flag("!--no-isolation", explore_opt.isolate,
                    "share this machine's network and processes instead of namespaces of each "
                    "run's own (no root needed; runs at once then share ports)");
  bool explore_mpi = false;
  std::string worker_dir;
  explore->add_flag("--mpi", explore_mpi,
                    "run as an MPI program (under mpirun or srun): rank 0 coordinates, every "
                    "other rank makes runs, --jobs at a time");
  explore
      ->add_option("--worker-dir", worker_dir,
                   "with --mpi: where a worker keeps its runs, on its own disk (default: "
                   "$TMPDIR, else /tmp); under DIR/fissure-HOST/CAMPAIGN/")
      ->envname("FISSURE_WORKER_DIR");
  explore->add_option("--plan", explore_plans,
                      "a fault plan (JSON, as fissure run takes) to run first, after the "
                      "baseline and before the strategy's; may be given again");
  explore->add_flag("--until-answer", explore_opt.until_answer,
                    "stop at the first failure (before minimizing it) or once the strategy "
                    "certified its space (resumable): to measure runs to an answer");
  CLI::App* report =
      app.add_subcommand("report", "Write a campaign's report (report.md, report.html)");
  report->add_option("CAMPAIGN_DIR", run_dir, "a campaign directory")->required();
  CLI::App* syscalls = app.add_subcommand("syscalls", "List the syscalls the tracer stops at");
  syscalls->add_flag("--comma", comma, "one comma-separated line (for strace -e trace=)");

  std::vector<std::string> check_files;
  std::string check_svg;
  long check_budget_ms = 10'000;
  CLI::App* check = app.add_subcommand(
      "check", "Judge histories (JSON lines or Jepsen logs) with the linearizability checker");
  check->add_option("FILE", check_files, "history files")->required();
  check->add_option("--budget-ms", check_budget_ms, "time a file may take before it is unknown")
      ->default_val(10'000)
      ->check(CLI::PositiveNumber);
  check->add_option("--svg", check_svg, "write each non-linearizable file's timeline here");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : kExitError;
  }
  // Begun before anything can fail, so that every rank of an MPI job can be told to stop.
  std::optional<fissure::mpi::World> world;
  if (*explore && explore_mpi) {
    try {
      world.emplace(argc, argv);
    } catch (const std::exception& e) {
      std::cerr << "fissure: explore --mpi: " << e.what() << "\n";
      return kExitError;
    }
  }
  try {
    if (*trace) return cmd_trace(spec_path, out_dir, settings);
    if (*run) return cmd_run(spec_path, plan_path, out_dir, settings);
    if (*points) return cmd_points(spec_path, out_dir, settings);
    if (*replay) return cmd_replay(run_dir, times);
    if (*syscalls) return cmd_syscalls(comma);
    if (*check) return fissure::check_histories(check_files, check_budget_ms, check_svg);
    if (*show) return cmd_show(run_dir, show_format, show_out);
    if (*report) return cmd_report(run_dir);
    if (*explore) {
      if (!resume_dir.empty() && runs_option->count() == 0)
        explore_opt.runs = 0;  // keep the campaign's
      GivenFlags given{strategy_option->count() > 0, runs_option->count() > 0,
                       jobs_option->count() > 0, seed_option->count() > 0,
                       time_option->count() > 0};
      if (worker_dir.empty()) {
        const char* tmp = std::getenv("TMPDIR");
        worker_dir = tmp && *tmp ? tmp : "/tmp";
      }
      return cmd_explore(spec_path, out_dir, resume_dir, explore_opt, given, explore_time,
                         {world ? &*world : nullptr, worker_dir}, explore_plans);
    }
  } catch (const fissure::SpecError& e) {
    std::cerr << "fissure: bad spec: " << e.what() << "\n";
  } catch (const fissure::PlanError& e) {
    std::cerr << "fissure: bad plan: " << e.what() << "\n";
  } catch (const fissure::RunError& e) {
    std::cerr << "fissure: " << e.what() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "fissure: " << e.what() << "\n";
  }
  // A failed rank takes the MPI job down, as MPI does: the others may be mid-run or waiting.
  if (world) fissure::mpi::abort_job(kExitError);
  return kExitError;
}
