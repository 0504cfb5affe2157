// A TCP socket's byte totals as the application sees them, from the kernel: by 4-tuple
// through sock_diag (TcpCounters), or from a copy of its fd (tcp_totals).
#pragma once

#include <linux/netlink.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace fissure::detail {

// Byte totals of one TCP socket as the application sees them, from the kernel's counters
// (sock_diag INET_DIAG_INFO): what it has read (bytes received minus those still queued)
// and written (bytes acked plus those still queued). SYN and FIN occupy sequence numbers
// but carry no data: the caller subtracts its baseline, FINs are taken out here.
inline constexpr int kTcpSynSent = 2;
inline constexpr int kTcpClose = 7;
struct TcpTotals {
  // Data bytes the application has read, depending on whether the peer's FIN has arrived
  // (its sequence number is counted as received but is no data). The state says so for most
  // states; in CLOSE (after FIN_WAIT2, or a reset) the caller must know from elsewhere.
  std::uint64_t read_if_fin = 0;
  std::uint64_t read_if_no_fin = 0;
  std::uint64_t written = 0;
  int state = 0;  // the kernel's TCP state: 1 established, 2 SYN sent, ...
  bool fin_received = false;
  std::uint64_t read(bool fin) const { return fin || fin_received ? read_if_fin : read_if_no_fin; }
};

// A netlink socket kept open for exact (4-tuple) lookups: a few microseconds each, far
// cheaper than a ptrace stop.
class DiagSocket;
class TcpCounters {
 public:
  TcpCounters();
  ~TcpCounters();
  TcpCounters(const TcpCounters&) = delete;
  TcpCounters& operator=(const TcpCounters&) = delete;
  // nullopt if no socket with this 4-tuple and inode exists (closed, or a crashed owner).
  std::optional<TcpTotals> query(const std::string& local, const std::string& remote,
                                 std::uint64_t inode);
  // The inode of the socket with this 4-tuple, seen from its own side.
  std::optional<std::uint64_t> inode_of(const std::string& local, const std::string& remote);

 private:
  const struct nlmsghdr* lookup(const std::string& local, const std::string& remote, char* buf,
                                std::size_t len);
  std::unique_ptr<DiagSocket> nl_;
};

// The same totals as TcpCounters::query, from a copy of the socket's fd (TCP_INFO plus its
// queues): works after a reset or a FIN, when sock_diag no longer finds the socket.
std::optional<TcpTotals> tcp_totals(int fd);

}  // namespace fissure::detail
