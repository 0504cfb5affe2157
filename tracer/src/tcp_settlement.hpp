// TCP data calls that run without an exit stop (Event::inferred): each is recorded at its
// entry, and its byte count is read from the socket's kernel counters when the next call in
// the same direction starts, or the socket is closed, the process execs or exits, or the
// run ends. This settles them.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "fissure/tracer/trace.hpp"
#include "tcp_counters.hpp"

namespace fissure::detail {

// Where a socket's byte totals come from: the kernel in a run (sock_diag, or TCP_INFO on a
// copy of one of the fds that hold it), anything in a test.
class TcpCounterSource {
 public:
  virtual ~TcpCounterSource() = default;
  // The totals of the socket with this 4-tuple and inode; `holders` are (process, fd) pairs
  // that held it at their pending calls. nullopt when it is gone.
  virtual std::optional<TcpTotals> totals(const std::string& local, const std::string& remote,
                                          std::uint64_t inode,
                                          const std::vector<std::pair<pid_t, int>>& holders) = 0;
};

// Bytes moved so far per channel, [channel][0] for a to b and [1] for b to a: a stream's
// offsets (Event::offset).
using StreamCounters = std::vector<std::array<std::uint64_t, 2>>;

class TcpSettlement {
 public:
  // Whether the thread of an event has stopped since `stops_at_entry` (so its call returned).
  using Returned = std::function<bool(const Event&, std::uint64_t stops_at_entry)>;

  TcpSettlement(std::vector<Event>& events, StreamCounters& sent, StreamCounters& received,
                TcpCounterSource& source, Returned returned)
      : events_(events),
        sent_(sent),
        received_(received),
        source_(source),
        returned_(std::move(returned)) {}

  // Starts deferring a socket's data calls with the kernel's totals at this moment as the
  // baseline: bytes moved before fissure first saw the socket are not this run's messages.
  void track(std::uint64_t inode, const std::string& local, const std::string& remote,
             const TcpTotals& now);
  bool tracked(std::uint64_t inode) const { return deferred_.contains(inode); }
  // Whether the next call in this direction can go without an exit stop: the socket is
  // tracked and no earlier call in the direction is still blocked (its count could not be
  // told apart). A pending call that has returned is settled first.
  bool can_defer(std::uint64_t inode, bool sending);
  // Event `id` (inferred, already recorded) is that call; its thread had `stops` stops.
  void deferred(std::uint64_t inode, bool sending, std::uint64_t id, std::uint64_t stops);
  // Fills in the pending calls of a socket that have returned (or all, when `force`).
  void settle(std::uint64_t inode, bool force = false);
  // The same for every socket with a pending call that `owner` picks.
  void settle_where(const std::function<bool(const Event&)>& owner, bool force = false);
  // The pending calls whose threads have not stopped since their entry: still in the kernel,
  // or resumed into it and not run yet.
  std::vector<const Event*> in_flight() const;

 private:
  struct Deferred {
    std::string local, remote;
    std::uint64_t base_read = 0, base_written = 0;       // kernel totals before our first look
    std::int64_t pending_read = -1, pending_write = -1;  // events waiting for their counts
    std::uint64_t read_stops = 0, write_stops = 0;       // their threads' stop counts at entry
  };
  bool peer_finished(std::int32_t channel, EventDir dir) const;

  std::vector<Event>& events_;
  StreamCounters& sent_;
  StreamCounters& received_;
  TcpCounterSource& source_;
  Returned returned_;
  std::unordered_map<std::uint64_t, Deferred> deferred_;  // by socket inode
};

}  // namespace fissure::detail
