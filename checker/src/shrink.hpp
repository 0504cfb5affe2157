#pragma once

#include <vector>

#include "fissure/checker/operation.hpp"
#include "register_search.hpp"

namespace fissure::checker {

// Removes operations from a non-linearizable set while it stays non-linearizable, halves
// first and then one at a time, to a set from which no single operation can go (1-minimal).
//
// Only sets that prove the whole history wrong are tried: a write (or cas) goes only with
// every read and cas that could have seen what it wrote, i.e. that needs its value and had
// not returned before it was invoked. Dropping such a write cannot make the rest harder to
// order, so when the rest cannot be ordered, neither can the whole. (Dropping a write alone
// could: a read of its value would then come from nowhere.) `minimal` is false when the
// limits ran out first.
std::vector<const Operation*> shrink(const std::vector<const Operation*>& ops,
                                     const SearchLimits& limits, bool& minimal);

}  // namespace fissure::checker
