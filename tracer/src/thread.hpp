// One traced task (a thread, or a process's main thread) as the session sees it.
#pragma once

#include <sys/types.h>

#include <cstdint>

#include "pending_call.hpp"

namespace fissure::detail {

struct Thread {
  pid_t tid = 0;
  pid_t tgid = 0;
  std::uint32_t node = 0;
  std::uint64_t seq = 0;
  bool initial_stop = false;  // its first stop has been seen (or will never come)
  bool in_call = false;
  // In a group-stop left stopped by PTRACE_LISTEN: it waits for SIGCONT, as it would
  // untraced, and the run's end does not wait for it.
  bool group_stopped = false;
  std::uint64_t stops = 0;  // every stop of this thread: a call it started before has returned
  PendingCall call;
};

}  // namespace fissure::detail
