// The fds of one file table (what the kernel's struct files_struct holds), as far as the
// tracer has learnt them (after rr's FdTable).
#pragma once

#include <sys/types.h>

#include <functional>
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

}  // namespace fissure::detail
