// What a fault changed: a run's messages matched with those of a fault-free run of the same
// target, by channel and order ("master's 5th send on the client's 2nd connection to
// 127.0.0.1:7000" is the same act in both runs, whatever the pids, ports and times). The
// baseline's messages the run lacks are what the fault removed; the run's that the baseline
// lacks are what it added (retries, failovers).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "fissure/tracer/trace.hpp"

namespace fissure {

// A message between two different nodes: a send that moved bytes to another node and the
// receive(s) its bytes reached (none when the bytes were never read).
struct TraceMessage {
  std::uint64_t send = 0;
  std::vector<std::uint64_t> receives;
};

// The messages of `t` sent within its workload's window: from the workload's first event to
// its last (the whole trace when it has no workload node). In send order.
std::vector<TraceMessage> window_messages(const Trace& t);

struct TraceDiff {
  struct Missing {
    TraceMessage message;  // in the baseline's event ids
    // Where the run would have had it: the run's event matching the last baseline event
    // before the send (resp. its first receive) that the run has too; nullopt before them all.
    std::optional<std::uint64_t> send_after, receive_after;
    // The run's threads that used the same channel (the n-th of its kind between the same
    // nodes at the same address), the sender's and the receiver's: the thread that would have
    // sent and read it. nullopt when the run never had that channel or that end never used it.
    std::optional<std::int32_t> send_tid, receive_tid;
  };
  std::vector<Missing> missing;      // the baseline's messages the run did not send, in order
  std::vector<std::uint64_t> added;  // the run's sends (ids in the run) the baseline lacks
  // Per run event, the baseline event with the same injection point (nullopt if none): where
  // a missing message goes in the run's picture, not whether it is missing.
  std::vector<std::optional<std::uint64_t>> baseline_of;
};

// A send counts as present in the run when the run made the same send (channel, sender,
// order among the sends there that moved bytes) without a fault changing it: a dropped send
// is missing from what its peer could see.
TraceDiff diff_traces(const Trace& baseline, const Trace& run);

}  // namespace fissure
