#include "fd_table.hpp"

#include <sched.h>

#include <algorithm>

namespace fissure::detail {

FdInfo* FdTable::find(int fd) {
  auto it = fds_.find(fd);
  return it == fds_.end() ? nullptr : &it->second;
}

const FdInfo* FdTable::find(int fd) const {
  auto it = fds_.find(fd);
  return it == fds_.end() ? nullptr : &it->second;
}

FdInfo& FdTable::assign(int fd, FdInfo info) {
  return fds_.insert_or_assign(fd, std::move(info)).first->second;
}

std::optional<FdInfo> FdTable::take(int fd) {
  auto it = fds_.find(fd);
  if (it == fds_.end()) return std::nullopt;
  FdInfo info = std::move(it->second);
  fds_.erase(it);
  return info;
}

std::vector<int> FdTable::in_range(unsigned first, unsigned last) const {
  std::vector<int> out;
  for (const auto& [fd, info] : fds_)
    if (static_cast<unsigned>(fd) >= first && static_cast<unsigned>(fd) <= last) out.push_back(fd);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<int> FdTable::closed_by_exec(const std::function<bool(int)>& close_on_exec) const {
  std::vector<int> out;
  for (const auto& [fd, info] : fds_)
    if (info.kind != FdInfo::Kind::Ignored && close_on_exec(fd)) out.push_back(fd);
  std::sort(out.begin(), out.end());
  return out;
}

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
