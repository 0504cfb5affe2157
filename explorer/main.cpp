// The fissure command line. Exit status: 0 the run was good, 1 the run showed a bug or hang,
// 2 a usage, spec or environment error (the message says which).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "fissure/model/summary.hpp"
#include "fissure/tracer/spec.hpp"
#include "fissure/tracer/tracer.hpp"

namespace {

constexpr int kExitGood = 0;
constexpr int kExitBug = 1;
constexpr int kExitError = 2;

std::filesystem::path default_run_dir(const std::string& target) {
  std::time_t now = std::time(nullptr);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::localtime(&now));
  return std::filesystem::path("runs") / fmt::format("{}-{}", target, stamp);
}

int cmd_trace(const std::string& spec_path, std::string out_dir, int cpu, bool json, bool exact) {
  fissure::Spec spec = fissure::load_spec(spec_path);
  if (out_dir.empty()) out_dir = default_run_dir(spec.name).string();
  std::filesystem::path dir(out_dir);
  if (std::filesystem::exists(dir) && !std::filesystem::is_empty(dir))
    throw fissure::RunError(
        fmt::format("{}: already exists and is not empty; choose a new -o DIR", out_dir));
  fissure::RunResult r =
      fissure::run_traced(spec, {.run_dir = dir, .cpu = cpu, .exact_results = exact});
  std::string trace_file = (dir / "trace.bin").string();
  fissure::save_binary(r.trace, trace_file);
  if (json) {
    std::ofstream os(dir / "trace.json");
    fissure::write_json(r.trace, os);
  }
  std::cout << fissure::format_summary(r.trace, fissure::summarize(r.trace));
  std::cout << fmt::format("verdict: {}: {}\n", to_string(r.verdict.kind), r.verdict.message);
  std::cout << fmt::format("trace: {}{}\n", trace_file,
                           json ? fmt::format(" (and {})", (dir / "trace.json").string()) : "");
  return r.verdict.kind == fissure::VerdictKind::Good          ? kExitGood
         : r.verdict.kind == fissure::VerdictKind::StartFailed ? kExitError
                                                               : kExitBug;
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

  std::string spec_path, out_dir;
  int cpu = 0;
  bool json = false, exact = false;
  CLI::App* trace =
      app.add_subcommand("trace", "Run the cluster once without faults and record its trace");
  trace->add_option("SPEC", spec_path, "target spec (target.toml)")->required();
  trace->add_option("-o,--out", out_dir, "run directory (default: runs/NAME-TIMESTAMP)");
  trace->add_option("--cpu", cpu, "CPU to pin the tracer and the nodes to (-1: no pinning)")
      ->default_val(0);
  trace->add_flag("--json", json, "also write trace.json");
  trace->add_flag("--exact", exact,
                  "stop at the exit of every TCP data syscall for its exact result (slower)");

  bool comma = false;
  CLI::App* syscalls = app.add_subcommand("syscalls", "List the syscalls the tracer stops at");
  syscalls->add_flag("--comma", comma, "one comma-separated line (for strace -e trace=)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : kExitError;
  }
  try {
    if (*trace) return cmd_trace(spec_path, out_dir, cpu, json, exact);
    if (*syscalls) return cmd_syscalls(comma);
  } catch (const fissure::SpecError& e) {
    std::cerr << "fissure: bad spec: " << e.what() << "\n";
    return kExitError;
  } catch (const fissure::RunError& e) {
    std::cerr << "fissure: " << e.what() << "\n";
    return kExitError;
  } catch (const std::exception& e) {
    std::cerr << "fissure: " << e.what() << "\n";
    return kExitError;
  }
  return kExitError;
}
