// Coverage-guided search over a universe another strategy keeps (hybrid: ldfi's model's),
// which has learned each run's points before coverage is told of it. The same units in the
// same order as its own universe would hold, so it proposes the same plans; hybrid's runs
// are numbered once instead of twice (on redis-replication, 16% of the coordinator's time).
#pragma once

#include <cstdint>
#include <memory>

#include "fissure/strategies/strategy.hpp"
#include "plan_universe.hpp"

namespace fissure {

std::unique_ptr<Strategy> make_coverage_strategy(const Universe& shared, std::uint64_t seed);

}  // namespace fissure
