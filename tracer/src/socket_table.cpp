#include "socket_table.hpp"

#include <fmt/format.h>
#include <sys/socket.h>

#include <fstream>
#include <sstream>

namespace fissure::detail {

namespace {

void read_unix(const std::string& file, std::unordered_map<std::uint64_t, SockDesc>& out) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string num, refcount, protocol, flags, type, st, inode, path;
    ls >> num >> refcount >> protocol >> flags >> type >> st >> inode;
    std::getline(ls >> std::ws, path);
    if (inode.empty()) continue;
    SockDesc d;
    unsigned t = static_cast<unsigned>(std::stoul(type, nullptr, 16));
    d.proto = t == SOCK_DGRAM ? SockProto::UnixDgram : SockProto::UnixStream;
    d.local = "unix:" + inode;
    d.path = path;
    d.listening = (std::stoul(flags, nullptr, 16) & (1u << 16)) != 0;  // __SO_ACCEPTCON
    out[std::stoull(inode)] = std::move(d);
  }
}

}  // namespace

void SocketTable::reload(pid_t pid) {
  std::string base = fmt::format("/proc/{}/net/", pid);
  read_unix(base + "unix", table_);
}

std::optional<SockDesc> SocketTable::find(pid_t pid, std::uint64_t inode) {
  auto it = table_.find(inode);
  if (it == table_.end()) {
    reload(pid);
    it = table_.find(inode);
    if (it == table_.end()) return std::nullopt;
  }
  return it->second;
}

}  // namespace fissure::detail
