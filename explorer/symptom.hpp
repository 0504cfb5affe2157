// How a failed run is named: its bucket key, which groups runs that failed the same way, and
// its title, which a person reads.
#pragma once

#include <string>

#include "fissure/tracer/verdict.hpp"

namespace fissure {

// Runs with the same key are one bug: the verdict's kind and its message with each run of
// digits as '#', since ports, pids, counts and times vary from run to run, and without the
// node's last output line the tracer appends to a wrong exit code or a signal, since one
// plan's failure ends with other words from run to run. Internal: never shown as a title.
std::string symptom_key(const Verdict& v);

// "Safety: ...", "Liveness: ..." or "Crash: ..." and the message's first line, numbers kept
// (at most about 200 characters).
std::string symptom_title(VerdictClass c, const std::string& message);

}  // namespace fissure
