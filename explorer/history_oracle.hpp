// The spec's `[oracle] checker`: a run judged by the history its workload wrote, after the
// run (the tracer knows nothing of histories).
#pragma once

#include <filesystem>
#include <string>

#include "fissure/tracer/spec.hpp"
#include "fissure/tracer/tracer.hpp"

namespace fissure {

// When the spec names a checker and the verdict is good, checks the run's history and makes
// the verdict a Bug when it is not linearizable (the message is the checker's sentence),
// writing history.txt and history.svg into the run directory. A missing or empty history
// leaves the verdict alone: a workload the faults stopped early may have written none.
// Returns what run.json keeps as `history`: "" (not checked), "missing", "linearizable",
// "not linearizable", "unknown" or "unreadable" (then the verdict is a Bug naming the line).
std::string judge_history(const Spec& spec, const std::filesystem::path& run_dir, Verdict& verdict);

}  // namespace fissure
