#include "phase_clock.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>

#include "clock.hpp"

namespace fissure::detail {

// A phase the run never reached (no oracle, a start that failed) takes no time; the next
// phase starts where the last reached one ended.
void PhaseClock::print(std::uint64_t trace_start) const {
  const std::uint64_t end = now_ns();
  std::uint64_t at = begin;
  auto upto = [&](std::uint64_t t) {
    if (t < at) return 0.0;
    double ms = static_cast<double>(t - at) / 1e6;
    at = t;
    return ms;
  };
  double setup = upto(trace_start);
  double starting = upto(started ? started : teardown);
  double spawn = static_cast<double>(spawning) / 1e6;
  double workload = upto(workload_done ? workload_done : teardown);
  double oracle = upto(oracle_done ? oracle_done : teardown);
  double finish = upto(teardown);  // the oracle's end to the first kill
  double torn = upto(drained);
  double post = upto(end);
  fmt::print(stderr,
             "fissure phases: setup {:.2f} start {:.2f} ready {:.2f} workload {:.2f} oracle {:.2f} "
             "teardown {:.2f} post {:.2f} ms\n",
             setup, spawn, std::max(0.0, starting - spawn), workload, oracle, finish + torn, post);
}

}  // namespace fissure::detail
