// A focused space-time diagram of a bug's run, drawn as SVG by fissure (no Graphviz): a lane
// per node (its threads folded in), time downwards from the workload's first event to its
// end, messages as arrows labelled with their first bytes, the faults that fired marked, and,
// against a fault-free baseline, the messages the run did not have drawn dashed where they
// would have been. The lineage of the outcome the run lost (or, when none was lost, of its
// last outcome) is highlighted. Hovering an arrow tells its syscalls, bytes and times.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "fissure/model/trace_diff.hpp"
#include "fissure/tracer/faults.hpp"
#include "fissure/tracer/trace.hpp"

namespace fissure {

class SpaceTimeDiagram {
 public:
  // Beyond this many rows the diagram keeps the rows near the faults, the missing messages
  // and the lineage, and folds the rest into "n messages not shown" rows.
  static constexpr std::size_t kMaxRows = 160;

  // `baseline` may be null (no diff then); `id` makes the SVG's ids unique in a page.
  SpaceTimeDiagram(const Trace& run, const Trace* baseline, std::string id);

  std::string svg() const;
  // What the picture holds, for the text beside it and for tests.
  std::size_t messages_drawn() const { return drawn_; }
  std::size_t missing_drawn() const { return missing_drawn_; }
  std::size_t faults_drawn() const { return faults_drawn_; }
  const std::string& lineage_of() const { return lineage_of_; }  // "client's 3rd answer (lost)"

 private:
  struct Item;
  void build();
  const Trace& run_;
  const Trace* baseline_;
  std::string id_;
  std::string svg_;
  std::size_t drawn_ = 0, missing_drawn_ = 0, faults_drawn_ = 0;
  std::string lineage_of_;
};

}  // namespace fissure
