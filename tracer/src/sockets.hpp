// Finding out what an fd of a tracee is, from outside the tracee: /proc/PID/fd links,
// /proc/PID/net tables (the tracee's network namespace), and sock_diag for unix peers.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace fissure::detail {

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

// An inet socket described from a copy of its fd.
struct InetSocket {
  bool stream = false;
  std::string local, remote;  // remote empty when not connected
};
std::optional<InetSocket> describe_inet_socket(int fd);

}  // namespace fissure::detail
