#pragma once

#include <vector>

#include "fissure/checker/operation.hpp"
#include "register_search.hpp"

namespace fissure::checker {

// Removes operations from a non-linearizable set while it stays non-linearizable, halves
// first and then one at a time, to a set from which no single operation can go (1-minimal).
// A read (or cas) keeps an operation that could have written its value, when the whole set
// has one: a stale read is shown with the write it is stale against, not as a read of a
// value from nowhere. `minimal` is false when the limits ran out first.
std::vector<const Operation*> shrink(const std::vector<const Operation*>& ops,
                                     const SearchLimits& limits, bool& minimal);

}  // namespace fissure::checker
