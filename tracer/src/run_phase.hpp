// Where a run is in its life; the cluster moves it on, the loop and the injector ask.
#pragma once

namespace fissure::detail {

// Ending: the verdict is known; tasks finish what was already under way (no new fault
// fires, partitions still cut) before the teardown kills what is left.
enum class RunPhase { Starting, Running, Oracle, Ending, TearingDown };

}  // namespace fissure::detail
