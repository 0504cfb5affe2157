// FISSURE_DEBUG=WHAT[,WHAT...] switches on the tracer's diagnostics on stderr: "tracer" logs
// every ptrace call, "phases" prints where each run's wall time went.
#pragma once

#include <cstdlib>
#include <string_view>

namespace fissure::detail {

inline bool debug_enabled(std::string_view what) {
  const char* v = std::getenv("FISSURE_DEBUG");
  if (!v) return false;
  std::string_view all(v);
  while (!all.empty()) {
    auto comma = all.find(',');
    if (all.substr(0, comma) == what) return true;
    all = comma == std::string_view::npos ? std::string_view{} : all.substr(comma + 1);
  }
  return false;
}

}  // namespace fissure::detail
