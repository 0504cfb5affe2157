// The tracer's one clock: event times, deadlines and phases all read it.
#pragma once

#include <time.h>

#include <cstdint>

namespace fissure::detail {

inline std::uint64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ull +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

}  // namespace fissure::detail
