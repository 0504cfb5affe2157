// Unix sockets by inode, as /proc/PID/net/unix lists them.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

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

}  // namespace fissure::detail
