// Copies of a tracee's fds in the tracer (pidfd_getfd).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <unordered_map>

#include "owned_fd.hpp"

namespace fissure::detail {

// Copies of tracee fds (pidfd_getfd), so the tracer can ask a socket about itself
// (getsockname, TCP_INFO, ...) or act on it, without running anything inside the tracee.
// Copies must be short-lived: a copy keeps the socket open.
class TraceeFds {
 public:
  // A copy of `fd` of process `tgid`, if it is still open and is the object with `inode`
  // (0: any).
  OwnedFd copy(pid_t tgid, int fd, std::uint64_t inode = 0);
  void forget(pid_t tgid) { pidfds_.erase(tgid); }

 private:
  std::unordered_map<pid_t, OwnedFd> pidfds_;
};

}  // namespace fissure::detail
