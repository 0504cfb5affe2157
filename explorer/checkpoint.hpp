// What a killed campaign needs to go on: the settings it ran with, every completed run in
// order, and its bugs. The strategy is not stored: it is deterministic, so it is rebuilt by
// replaying the journal through it.
#pragma once

#include <cereal/cereal.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "journal_entry.hpp"
#include "stored_bug.hpp"

namespace fissure {

struct Checkpoint {
  std::string spec;  // absolute path of target.toml
  std::string strategy;
  std::uint64_t seed = 0, runs_budget = 0, next_batch = 1;
  unsigned jobs = 1, baseline = 0, replays = 0;
  bool isolate = true, keep_all = false;
  std::vector<JournalEntry> journal;
  std::vector<StoredBug> bugs;
  std::uint64_t certified_at = 0;  // runs when the strategy last became certified; 0: not

  // checkpoint.json, as every fissure wrote it: everything in one object.
  template <class A>
  void serialize(A& ar) {
    settings(ar);
    ar(CEREAL_NVP(journal));
    state(ar);
  }
  // A state record of journal.jsonl: everything but the journal, which comes before it.
  template <class A>
  void settings(A& ar) {
    ar(CEREAL_NVP(spec), CEREAL_NVP(strategy), CEREAL_NVP(seed), CEREAL_NVP(runs_budget),
       CEREAL_NVP(next_batch), CEREAL_NVP(jobs), CEREAL_NVP(baseline), CEREAL_NVP(replays),
       CEREAL_NVP(isolate), CEREAL_NVP(keep_all));
  }
  template <class A>
  void state(A& ar) {
    ar(CEREAL_NVP(bugs), CEREAL_NVP(certified_at));
  }
};

}  // namespace fissure
