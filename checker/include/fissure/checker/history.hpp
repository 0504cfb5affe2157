// A whole history as read from one file: its operations, and how to say when something
// happened in it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "fissure/checker/operation.hpp"

namespace fissure::checker {

struct History {
  std::string source;  // the file it came from, for messages
  // True when times are nanoseconds (our JSON lines); false when they are line numbers (a
  // Jepsen text log records no time, only the order of events).
  bool timed = true;
  std::int64_t origin = 0;  // the first event's time; times are told relative to it
  std::vector<Operation> ops;

  // "1.204 s" after the first event, or "line 57" for a history without times.
  std::string when(std::int64_t t) const;
  // The indices of ops on each key, in the order they are in `ops`.
  std::map<std::string, std::vector<std::size_t>> by_key() const;
};

}  // namespace fissure::checker
