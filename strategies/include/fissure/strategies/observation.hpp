// What a strategy is told of one run. Kept beside the run (observation.bin), so that a
// resumed campaign can tell a rebuilt strategy everything again without the run's trace.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "fissure/model/outcome_lineage.hpp"
#include "fissure/tracer/faults.hpp"
#include "fissure/tracer/verdict.hpp"

namespace fissure {

struct Observation {
  FaultPlan plan;
  // Typed in memory; observation.bin keeps it as to_string(verdict), its name.
  VerdictKind verdict = VerdictKind::Good;
  PointList points;  // the points the run passed through, in order
  std::string signature;               // its coverage signature
  // Each outcome the run reached, with its lineage; outcomes of the campaign's first run that
  // this run did not reach are listed with reached = false and no lineage.
  std::vector<OutcomeLineage> outcomes;
  // Faults of `plan` (indices) that never fired: the run says nothing about them.
  std::vector<std::size_t> unreached;
  // Receives of datagrams: a drop there cannot fire (the datagram has already arrived).
  PointList datagram_receives;
};

}  // namespace fissure
