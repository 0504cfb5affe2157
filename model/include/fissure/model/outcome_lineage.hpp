// What a fault search needs of a run's lineage, named so that runs can be compared: for each
// outcome the run reached, the injection points it was found to depend on (precise), and the
// points it may have depended on (sound).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fissure/model/point_list.hpp"
#include "fissure/tracer/faults.hpp"
#include "fissure/tracer/trace.hpp"

namespace fissure {

struct OutcomeLineage {
  std::string key;  // outcome_key(): "client answer #1", "last write to ${RUN_DIR}/x.log"
  std::string node;  // the node whose act it is (the workload node, or a file's writer)
  bool reached = true;
  // The points of support_of(): the dialog lineage. It can miss a dependency that went
  // through memory shared by two threads of one process.
  PointList precise;
  // The points of the outcome's causal past in the workload's window, every thread of a
  // process taken as one lane in the tracer's order (sound_past()): whatever a process did
  // before it acted may have fed the act, through memory the tracer cannot see.
  PointList sound;
  bool operator==(const OutcomeLineage&) const = default;
};

// The events a sound lineage of `outcome` holds: those of its process up to it, and, through
// every causal edge into any of them, those of each other process up to the edge's source;
// only events from the workload's first event on. Sorted.
std::vector<std::uint64_t> sound_past(const Trace& t, std::uint64_t outcome);

// One per outcome event of `t` (outcome_events()), their lineages sharing one table. Calls
// that a fault changed (injected) are no premise of anything: they did not deliver.
std::vector<OutcomeLineage> outcome_lineages(const Trace& t);

}  // namespace fissure
