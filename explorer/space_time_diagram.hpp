// A focused space-time diagram of a bug's run, drawn as SVG by fissure (no Graphviz): a lane
// per node (its threads folded in), time downwards from the workload's first event to its
// end, messages as arrows labelled with their first bytes, the faults that fired marked, and,
// against a fault-free baseline, the messages the run did not have drawn dashed where they
// would have been. The lineage of the outcome the run lost (or, when none was lost, of its
// last outcome) is highlighted. Hovering an arrow tells its syscalls, bytes and times.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "fissure/model/trace_diff.hpp"
#include "fissure/tracer/faults.hpp"
#include "fissure/tracer/trace.hpp"

namespace fissure {

class SpaceTimeDiagram {
 public:
  // The diagram never has more rows than this, whatever the trace (a 5 s partition among
  // chatty nodes misses thousands of messages, and a history workload's lineage holds
  // thousands more): past it, it keeps the faults, the lost outcome's lineage the run did not
  // have, a first missing message of every pair of nodes, then more of each, the lineage next
  // to the fault and before the outcome, and the messages nearest the fault, turn by turn
  // while they fit, and folds each run of rows left out into one "n messages not shown" row.
  static constexpr std::size_t kMaxRows = 160;
  // Of them, at most this many before the first fault, so that it is on the first screen
  // (a diagram of fewer rows is cut as well when more come before its fault).
  static constexpr std::size_t kBeforeFault = 12;
  // Hover texts are cut to this many bytes, so that the bytes are bounded too.
  static constexpr std::size_t kMaxTitle = 400;
  // A fault's words beside its mark are cut to this many bytes.
  static constexpr std::size_t kMaxLabel = 160;

  // The outcome a verdict names, when it names one the trace's outcomes do not (a checker's
  // stale read names the write it did not see): the workload's receive that returned last
  // by `ack_ns` (the clock of the trace and the history) stands for it, and `words` say what
  // it is.
  struct Focus {
    std::uint64_t ack_ns = 0;
    std::string words;  // "the write of 7 acknowledged at 0.463 s, which a later read missed"
  };

  // `baseline` may be null (no diff then); `id` makes the SVG's ids unique in a page. With a
  // `focus` whose receive is in the run, its lineage is the one highlighted.
  SpaceTimeDiagram(const Trace& run, const Trace* baseline, std::string id,
                   std::optional<Focus> focus = std::nullopt);

  std::string svg() const;
  // What the picture holds, for the text beside it and for tests.
  std::size_t messages_drawn() const { return drawn_; }
  std::size_t missing_drawn() const { return missing_drawn_; }
  std::size_t faults_drawn() const { return faults_drawn_; }
  // What there was to draw: the run's messages in the window and the baseline's it lacks.
  std::size_t messages_total() const { return messages_total_; }
  std::size_t missing_total() const { return missing_total_; }
  // The missing messages per pair of nodes ("sentinel1 to master"), most first.
  const std::vector<std::pair<std::string, std::size_t>>& missing_by_pair() const {
    return missing_by_pair_;
  }
  const std::string& lineage_of() const { return lineage_of_; }  // "client's 3rd answer (lost)"
  // Per lane (the workload first), the tids of its threads in the window, as drawn.
  const std::vector<std::vector<std::int32_t>>& threads() const { return threads_; }

 private:
  struct Item;
  void build();
  // The row the choice is measured from: the first fault's, else the first missing message's.
  static std::optional<std::size_t> split_row(const std::vector<Item>& items);
  static std::vector<bool> choose_rows(const std::vector<Item>& items, std::size_t rows);
  const Trace& run_;
  const Trace* baseline_;
  std::string id_;
  std::optional<Focus> focus_;
  std::string svg_;
  std::size_t drawn_ = 0, missing_drawn_ = 0, faults_drawn_ = 0;
  std::size_t messages_total_ = 0, missing_total_ = 0;
  std::vector<std::pair<std::string, std::size_t>> missing_by_pair_;
  std::string lineage_of_;
  std::vector<std::vector<std::int32_t>> threads_;  // per lane, its threads' tids
};

}  // namespace fissure
