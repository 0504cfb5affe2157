// Finding out what an fd of a tracee is, from outside the tracee: /proc/PID/fd links,
// /proc/PID/net tables (the tracee's network namespace), and sock_diag for unix peers.
#pragma once

#include <linux/netlink.h>
#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

namespace fissure::detail {

enum class SockProto : std::uint8_t { Tcp, Udp, UnixStream, UnixDgram, Other };

struct SockDesc {
  SockProto proto = SockProto::Other;
  std::string local;   // "127.0.0.1:7000", "[::1]:7000", or "unix:INODE"
  std::string remote;  // empty when unconnected / unknown
  std::string path;    // unix: bound path (of this socket), if any
  bool listening = false;
};

// Unix socket inode -> description, read from /proc/PID/net/unix (a short list, cheap to
// read; inet sockets are described by running getsockname/getpeername in the tracee).
class SocketTable {
 public:
  // Looks the inode up, re-reading the tables of `pid`'s namespace once on a miss.
  std::optional<SockDesc> find(pid_t pid, std::uint64_t inode);
  void forget(std::uint64_t inode) { table_.erase(inode); }

 private:
  void reload(pid_t pid);
  std::unordered_map<std::uint64_t, SockDesc> table_;
};

// The inode of a unix socket's peer (sock_diag UNIX_DIAG_PEER), in the caller's netns.
std::optional<std::uint64_t> unix_peer_inode(std::uint64_t inode);

// What /proc/PID/fd/FD points at.
struct FdTarget {
  enum class Kind { Socket, Pipe, RegularFile, Other, Gone } kind = Kind::Gone;
  std::uint64_t inode = 0;
  std::uint64_t dev = 0;
  std::string path;  // regular files: absolute path
};
FdTarget inspect_fd(pid_t pid, int fd);

// Reads tracee memory (process_vm_readv). Returns false if the range is unreadable.
bool read_memory(pid_t tid, std::uint64_t addr, void* out, std::size_t len);
std::string read_string(pid_t tid, std::uint64_t addr, std::size_t max = 4096);

// "ip:port" / "[ip6]:port" / "unix:/path" / "unix:@abstract"; empty if not an address.
std::string format_sockaddr(const void* sa, std::size_t len);
// The address a tracee holds at `addr` (`len` bytes, cut to sockaddr_storage's size),
// formatted; empty when there is none or it cannot be read.
std::string read_sockaddr(pid_t tid, std::uint64_t addr, std::size_t len);

}  // namespace fissure::detail

namespace fissure::detail {
// True when a TCP socket of the caller's network namespace listens on `port` (any address).
bool tcp_port_listening(std::uint16_t port);
// Access mode of an fd from /proc/PID/fdinfo (O_RDONLY / O_WRONLY / O_RDWR), -1 if unknown.
int fd_access_mode(pid_t pid, int fd);
// Whether an fd has O_CLOEXEC, from /proc/PID/fdinfo.
bool fd_close_on_exec(pid_t pid, int fd);
}  // namespace fissure::detail

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

}  // namespace fissure::detail

namespace fissure::detail {

// An fd of the tracer's own, closed when it goes.
class OwnedFd {
 public:
  OwnedFd() = default;
  explicit OwnedFd(int fd) : fd_(fd) {}
  OwnedFd(OwnedFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  OwnedFd& operator=(OwnedFd&& o) noexcept;
  OwnedFd(const OwnedFd&) = delete;
  OwnedFd& operator=(const OwnedFd&) = delete;
  ~OwnedFd();
  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

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

// An inet socket described from a copy of its fd.
struct InetSocket {
  bool stream = false;
  std::string local, remote;  // remote empty when not connected
};
std::optional<InetSocket> describe_inet_socket(int fd);

// The same totals as TcpCounters::query, from a copy of the socket's fd (TCP_INFO plus its
// queues): works after a reset or a FIN, when sock_diag no longer finds the socket.
std::optional<TcpTotals> tcp_totals(int fd);

}  // namespace fissure::detail
