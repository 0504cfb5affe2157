// One completed run in a campaign's journal.
#pragma once

#include <cereal/cereal.hpp>
#include <cereal/types/string.hpp>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>

namespace fissure {

// `batch` groups runs the strategy proposed together (0 for runs it did not propose:
// baseline, minimization, replays).
struct JournalEntry {
  std::uint64_t index = 0;
  std::uint64_t batch = 0;
  std::string dir;
  std::string verdict;   // for Molly's count of runs to the first failure
  std::string proposer;  // the search that proposed it; empty for runs no strategy proposed
  // Runs the strategy had been told of when it proposed this run's batch: the batch's own
  // first index, unless the batch was proposed while the one before it ran (MPI).
  std::uint64_t observed = kBatchStart;
  static constexpr std::uint64_t kBatchStart = std::numeric_limits<std::uint64_t>::max();
  template <class A>
  void serialize(A& ar) {
    ar(CEREAL_NVP(index), CEREAL_NVP(batch), CEREAL_NVP(dir), CEREAL_NVP(verdict),
       CEREAL_NVP(proposer));
    if constexpr (std::is_base_of_v<cereal::detail::InputArchiveBase, A>) {
      try {  // a checkpoint from before batches were proposed ahead has none
        ar(CEREAL_NVP(observed));
      } catch (const cereal::Exception&) {
        observed = kBatchStart;
      }
    } else {
      ar(CEREAL_NVP(observed));
    }
  }
};

}  // namespace fissure
