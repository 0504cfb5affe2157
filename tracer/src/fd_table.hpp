// The fds of one file table (what the kernel's struct files_struct holds), as far as the
// tracer has learnt them, and the tables of every traced process: shared between the
// processes that share one (CLONE_FILES, threads), copied on fork (after rr's FdTable).
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "fd_info.hpp"

namespace fissure::detail {

class FdTable {
 public:
  // nullptr when the fd has not been learnt (or was forgotten).
  FdInfo* find(int fd);
  const FdInfo* find(int fd) const;
  FdInfo& assign(int fd, FdInfo info);
  // Forgets the fd and gives back what was known of it.
  std::optional<FdInfo> take(int fd);
  // The learnt fds in [first, last] (close_range), in increasing order.
  std::vector<int> in_range(unsigned first, unsigned last) const;
  // The learnt fds, other than ignored ones, that a successful exec closes, as
  // `close_on_exec` tells (it asks the process), in increasing order.
  std::vector<int> closed_by_exec(const std::function<bool(int)>& close_on_exec) const;
  std::size_t size() const { return fds_.size(); }

 private:
  std::unordered_map<int, FdInfo> fds_;
};

// The file table of each traced process (thread group), by tgid.
class FdTables {
 public:
  // The table of `tgid`, empty when it has none yet.
  FdTable& of(pid_t tgid);
  // `child` was created by a process of `parent_tgid` with these clone flags (fork: none):
  // a thread (CLONE_THREAD) uses its group's table, CLONE_FILES shares the parent's, and
  // anything else starts from a copy.
  void spawned(pid_t parent_tgid, pid_t child, unsigned long clone_flags);
  // A successful exec: the process gets a table of its own (exec unshares a shared one)
  // with nothing learnt, since its close-on-exec fds are gone; the rest is learnt again.
  void exec(pid_t tgid);
  void exited(pid_t tgid);
  // Whether two processes use one table.
  bool shared(pid_t a, pid_t b) const;

 private:
  std::unordered_map<pid_t, std::shared_ptr<FdTable>> tables_;
};

}  // namespace fissure::detail
