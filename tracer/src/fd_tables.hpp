// The file tables of every traced process: shared between the processes that share one
// (CLONE_FILES, threads), copied on fork.
#pragma once

#include <sys/types.h>

#include <memory>
#include <unordered_map>

#include "fd_table.hpp"

namespace fissure::detail {

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
