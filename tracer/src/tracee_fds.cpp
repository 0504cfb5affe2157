#include "tracee_fds.hpp"

#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace fissure::detail {

OwnedFd TraceeFds::copy(pid_t tgid, int fd, std::uint64_t inode) {
  auto it = pidfds_.find(tgid);
  if (it == pidfds_.end()) {
    int pidfd = static_cast<int>(syscall(SYS_pidfd_open, tgid, 0));
    if (pidfd < 0) return {};
    it = pidfds_.emplace(tgid, OwnedFd(pidfd)).first;
  }
  OwnedFd copy(static_cast<int>(syscall(SYS_pidfd_getfd, it->second.get(), fd, 0)));
  if (!copy || inode == 0) return copy;
  struct stat st {};
  if (fstat(copy.get(), &st) != 0 || st.st_ino != inode) return {};
  return copy;
}

}  // namespace fissure::detail
