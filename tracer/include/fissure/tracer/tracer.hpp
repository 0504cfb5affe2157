// Runs a target's cluster once under ptrace + seccomp and returns its trace and verdict.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>

#include "fissure/tracer/faults.hpp"
#include "fissure/tracer/spec.hpp"
#include "fissure/tracer/trace.hpp"
#include "fissure/tracer/verdict.hpp"

namespace fissure {

// The run could not be attempted: a missing binary, an unusable run directory, a kernel
// that refuses ptrace or seccomp. The message says what to fix.
class RunError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct RunOptions {
  std::filesystem::path run_dir;  // created if missing; ${RUN_DIR} of the spec
  // The tracer and every node run pinned to this CPU: a ptrace stop costs ~10x more when
  // tracer and tracee wake each other across CPUs. -1 leaves affinity alone.
  int cpu = 0;
  // Stop at the exit of every TCP data syscall to read its result, instead of taking byte
  // counts from the kernel's TCP counters at the next call: slower, and errnos are exact.
  // Always on when the plan has faults.
  bool exact_results = false;
  FaultPlan plan;  // faults to inject; empty for a fault-free run
  // The run gets network and PID namespaces of its own (needs root): loopback only, so runs
  // side by side may use the same ports, and nothing it started survives it. false shares
  // the caller's.
  bool isolate = true;
};

struct RunResult {
  Trace trace;  // trace.fired: the planned faults that fired, in order
  Verdict verdict;
  // Indices of planned faults whose point the run never reached: such a run says nothing
  // about those faults, good verdict or not.
  std::vector<std::size_t> unreached;
};

// Starts the nodes in order (each after the previous is ready), waits for every workload
// node to exit, runs the oracle while the cluster is still up, then kills every process the
// run created. Throws RunError when the run cannot be attempted at all.
RunResult run_traced(const Spec& spec, const RunOptions& options);

// Checks, before anything starts, that every node's and the oracle's program can be executed.
void check_executables(const Spec& spec);

}  // namespace fissure
