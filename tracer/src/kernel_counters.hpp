// The byte totals of a run's TCP sockets, from the kernel: what TcpSettlement settles
// calls without an exit stop with.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tcp_counters.hpp"
#include "tcp_settlement.hpp"
#include "tracee_fds.hpp"

namespace fissure::detail {

class KernelCounters : public TcpCounterSource {
 public:
  KernelCounters(TcpCounters& diag, TraceeFds& fds) : diag_(diag), fds_(fds) {}
  // sock_diag finds sockets still in the connection table (a few microseconds); after a
  // reset or a FIN they have left it, and a copy of a pending call's fd (open at every
  // settle point but a thread's exit) asks the socket itself. Copying an fd costs far more.
  std::optional<TcpTotals> totals(const std::string& local, const std::string& remote,
                                  std::uint64_t inode,
                                  const std::vector<std::pair<pid_t, int>>& holders) override {
    std::optional<TcpTotals> now = diag_.query(local, remote, inode);
    for (const auto& [pid, fd] : holders) {
      if (now) break;
      if (OwnedFd copy = fds_.copy(pid, fd, inode)) now = tcp_totals(copy.get());
    }
    return now;
  }

 private:
  TcpCounters& diag_;
  TraceeFds& fds_;
};

}  // namespace fissure::detail
