#pragma once

#include <string>
#include <vector>

#include "fissure/checker/history.hpp"

namespace fissure::checker {

// One sentence on why `core` (a non-linearizable set of one key's ops) cannot be ordered,
// told with the values and times a person can look up: "not linearizable: the write of 3
// acknowledged at 1.204 s, but a read invoked later, at 1.500 s (process 2), saw 2".
// `all` is every op of the key that constrains; `failed` the key's fail ops. When the
// sentence is told with an acknowledged write a later read did not see, `lost` (if given)
// gets it.
std::string explain(const History& h, const std::string& key,
                    const std::vector<const Operation*>& core,
                    const std::vector<const Operation*>& all,
                    const std::vector<const Operation*>& failed,
                    const Operation** lost = nullptr);

}  // namespace fissure::checker
