// What people read about a result: text for the terminal and history.txt, an SVG timeline.
#pragma once

#include <string>

#include "fissure/checker/check_result.hpp"
#include "fissure/checker/history.hpp"

namespace fissure::checker {

// The counterexample: its sentence, then one line an operation, the last `max_ops` of them
// (the violation is usually at the end; a core that every write of a value read must stay
// in can be long).
std::string format_counterexample(const History& h, const Counterexample& c,
                                  std::size_t max_ops = static_cast<std::size_t>(-1));
// A self-contained SVG (no script, no external font): one row per process, a bar per
// operation from invocation to completion, labelled "w 3", "r 2", "cas 1→4"; info ops
// run open-ended to the right edge.
std::string timeline_svg(const History& h, const Counterexample& c);

}  // namespace fissure::checker
