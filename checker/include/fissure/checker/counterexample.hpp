#pragma once

#include <optional>
#include <string>
#include <vector>

#include "fissure/checker/operation.hpp"

namespace fissure::checker {

// Why a history is not linearizable, small enough for a person: operations of one key
// that no order explains, shrunk while they stay so.
struct Counterexample {
  std::string key;
  std::vector<Operation> ops;  // by invocation time
  // "not linearizable: the write of 3 acknowledged at 1.204 s, a later read (at 1.5 s) saw 2"
  std::string explanation;
  // The acknowledged write the explanation says a later read did not see (a stale read),
  // when it is told so: what a picture of the run should show the lineage of.
  std::optional<Operation> lost_write;
  // True when removing any one of `ops` would leave a linearizable history; false when the
  // budget ran out while shrinking.
  bool minimal = false;
};

}  // namespace fissure::checker
