#include "fd_tables.hpp"

#include <sched.h>

namespace fissure::detail {

FdTable& FdTables::of(pid_t tgid) {
  auto& p = tables_[tgid];
  if (!p) p = std::make_shared<FdTable>();
  return *p;
}

void FdTables::spawned(pid_t parent_tgid, pid_t child, unsigned long clone_flags) {
  if (clone_flags & CLONE_THREAD) return;  // threads look up their group's table
  of(parent_tgid);
  std::shared_ptr<FdTable> parent = tables_[parent_tgid];  // a copy: the insert may rehash
  tables_[child] = (clone_flags & CLONE_FILES) ? parent : std::make_shared<FdTable>(*parent);
}

void FdTables::exec(pid_t tgid) {
  tables_[tgid] = std::make_shared<FdTable>();
}

void FdTables::exited(pid_t tgid) {
  tables_.erase(tgid);
}

bool FdTables::shared(pid_t a, pid_t b) const {
  auto ia = tables_.find(a), ib = tables_.find(b);
  return ia != tables_.end() && ib != tables_.end() && ia->second == ib->second;
}

}  // namespace fissure::detail
