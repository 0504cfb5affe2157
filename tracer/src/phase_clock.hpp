// Where a run's wall time went (FISSURE_DEBUG=phases): the ends of its phases, and the time
// spent inside spawn (fork, exec's first stop, ptrace options).
#pragma once

#include <cstdint>

namespace fissure::detail {

struct PhaseClock {
  std::uint64_t begin = 0, started = 0, workload_done = 0, oracle_done = 0, teardown = 0,
                drained = 0, spawning = 0, spawning_later = 0;

  // One line on stderr a benchmark can parse; `trace_start` is when the first node started.
  void print(std::uint64_t trace_start) const;
};

}  // namespace fissure::detail
