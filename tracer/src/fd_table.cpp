#include "fd_table.hpp"

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

}  // namespace fissure::detail
