// A syscall a thread is in, from its entry stop to its exit stop: its arguments, what the
// tracer learnt at its entry, and what a fault made of it. The row it came from says where
// its buffers, peer address and flags are; the methods read them from the tracee.
#pragma once

#include <sys/socket.h>
#include <sys/types.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "fd_info.hpp"
#include "fissure/tracer/faults.hpp"
#include "fissure/tracer/syscalls.hpp"

namespace fissure::detail {

struct PendingCall {
  const SysInfo* info = nullptr;
  std::array<std::uint64_t, 6> args{};
  int fd = -1;
  FdInfo fdi;
  std::int64_t asked = 0;
  std::string head;  // a send's first bytes, read at its entry (Event::head)
  std::string peer;  // from the entry: connect/bind/sendto address, exec path
  // Fault injection.
  InjectionPoint point;                    // where this call is, if a fault could land here
  std::optional<long> forced;              // the call is skipped and returns this
  std::optional<std::size_t> crash_after;  // crash the node once the call has returned
  std::optional<std::size_t> fires;        // the planned fault this call fires (delay, partition)
  std::uint64_t delay_until = 0;           // keep the thread stopped until then
  bool injected = false;

  // The bytes the call asks to move, from its buffers (0 for the mmsg calls, which are
  // recorded a message at a time).
  std::int64_t bytes_asked(pid_t tid) const;
  // A send's first bytes (Event::head), from its first non-empty buffer: the buffer holds
  // them at the call's entry, where TCP sends stop anyway, and no exit stop is needed.
  std::string bytes_head(pid_t tid) const;
  // What the row's PeerArg names: a socket address, a path, or a pair of new fds ("3,4").
  // Senders name their peer at entry; a receiver's is in its buffer only after the call,
  // and a pair's fds exist only after it. Empty when there is none.
  std::string peer_arg(pid_t tid) const;
  // Whether the row's peer is in the call's arguments at its entry.
  bool peer_at_entry() const {
    return !info->has(kRecv) && info->peer != PeerArg::FdPairAt0 &&
           info->peer != PeerArg::FdPairAt3;
  }
  // The two fds a pipe or socketpair made, after the call.
  std::optional<std::array<int, 2>> fd_pair(pid_t tid) const;
  // A receive that leaves the data where it was (MSG_PEEK) moves nothing.
  bool peeks() const {
    return info->has(kRecv) && info->flags_arg >= 0 &&
           (args[static_cast<std::size_t>(info->flags_arg)] & MSG_PEEK) != 0;
  }
};

}  // namespace fissure::detail
