#pragma once

#include <chrono>
#include <cstddef>

namespace fissure::checker {

// How much a check may spend before it gives up and says `unknown` (never a pass): the
// search is exponential in the worst case, and a campaign must not stall on one history.
struct Budget {
  std::chrono::milliseconds time{10'000};  // the whole history, shrinking included
  // Memoized (linearized set, state) pairs of one key; each costs a few words per 64 ops,
  // so the default stays under a few hundred MB for histories of hundreds of ops a key.
  std::size_t memo_entries = 4'000'000;
};

}  // namespace fissure::checker
