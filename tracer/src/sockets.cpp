#include "sockets.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/sockios.h>
#include <linux/tcp.h>
#include <linux/unix_diag.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

#include "diag_socket.hpp"

namespace fissure::detail {

std::optional<std::uint64_t> unix_peer_inode(std::uint64_t inode) {
  DiagSocket nl;
  auto msg = diag_request<unix_diag_req>(0);
  msg.req.sdiag_family = AF_UNIX;
  msg.req.udiag_states = ~0u;
  msg.req.udiag_ino = static_cast<std::uint32_t>(inode);
  msg.req.udiag_show = UDIAG_SHOW_PEER;
  msg.req.udiag_cookie[0] = msg.req.udiag_cookie[1] = ~0u;  // INET_DIAG_NOCOOKIE
  std::optional<std::uint64_t> peer;
  if (nl.send_request(msg)) {
    alignas(nlmsghdr) char buf[8192];
    ssize_t n = nl.receive(buf, sizeof buf);
    for (auto* h = reinterpret_cast<nlmsghdr*>(buf); n > 0 && NLMSG_OK(h, static_cast<unsigned>(n));
         h = NLMSG_NEXT(h, n)) {
      if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY) break;
      auto* r = static_cast<unix_diag_msg*>(NLMSG_DATA(h));
      int len = static_cast<int>(h->nlmsg_len - NLMSG_LENGTH(sizeof *r));
      for (auto* a = reinterpret_cast<rtattr*>(r + 1); RTA_OK(a, len); a = RTA_NEXT(a, len))
        if (a->rta_type == UNIX_DIAG_PEER) peer = *static_cast<std::uint32_t*>(RTA_DATA(a));
    }
  }
  return peer;
}

FdTarget inspect_fd(pid_t pid, int fd) {
  FdTarget t;
  std::string link = fmt::format("/proc/{}/fd/{}", pid, fd);
  char buf[4096];
  ssize_t n = readlink(link.c_str(), buf, sizeof buf - 1);
  if (n < 0) return t;  // Gone
  buf[n] = 0;
  std::string_view target(buf, static_cast<std::size_t>(n));
  auto inode_of = [&](std::string_view prefix) {
    return std::stoull(
        std::string(target.substr(prefix.size(), target.size() - prefix.size() - 1)));
  };
  if (target.starts_with("socket:[")) {
    t.kind = FdTarget::Kind::Socket;
    t.inode = inode_of("socket:[");
  } else if (target.starts_with("pipe:[")) {
    t.kind = FdTarget::Kind::Pipe;
    t.inode = inode_of("pipe:[");
  } else if (target.starts_with("/")) {
    struct stat st {};
    if (stat(link.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
      t.kind = FdTarget::Kind::RegularFile;
      t.inode = st.st_ino;
      t.dev = st.st_dev;
      t.path = std::string(target);
    } else {
      t.kind = FdTarget::Kind::Other;
    }
  } else {
    t.kind = FdTarget::Kind::Other;
  }
  return t;
}

bool read_memory(pid_t tid, std::uint64_t addr, void* out, std::size_t len) {
  if (len == 0) return true;
  iovec local{out, len};
  iovec remote{reinterpret_cast<void*>(addr), len};
  return process_vm_readv(tid, &local, 1, &remote, 1, 0) == static_cast<ssize_t>(len);
}

std::string read_string(pid_t tid, std::uint64_t addr, std::size_t max) {
  std::string out;
  char chunk[256];
  while (out.size() < max) {
    // Read up to the end of the page, so a string ending just before an unmapped page works.
    std::size_t to_page = 4096 - (addr % 4096);
    std::size_t want = std::min(sizeof chunk, to_page);
    if (!read_memory(tid, addr, chunk, want)) break;
    const void* nul = std::memchr(chunk, 0, want);
    if (nul) {
      out.append(chunk, static_cast<const char*>(nul) - chunk);
      break;
    }
    out.append(chunk, want);
    addr += want;
  }
  return out;
}

std::string read_sockaddr(pid_t tid, std::uint64_t addr, std::size_t len) {
  sockaddr_storage sa{};
  len = std::min(len, sizeof sa);
  if (!addr || !read_memory(tid, addr, &sa, len)) return {};
  return format_sockaddr(&sa, len);
}

std::string format_sockaddr(const void* sa_raw, std::size_t len) {
  if (len < sizeof(sa_family_t)) return {};
  sa_family_t family;
  std::memcpy(&family, sa_raw, sizeof family);
  char buf[INET6_ADDRSTRLEN];
  if (family == AF_INET && len >= sizeof(sockaddr_in)) {
    sockaddr_in sin;
    std::memcpy(&sin, sa_raw, sizeof sin);
    inet_ntop(AF_INET, &sin.sin_addr, buf, sizeof buf);
    return fmt::format("{}:{}", buf, ntohs(sin.sin_port));
  }
  if (family == AF_INET6 && len >= sizeof(sockaddr_in6)) {
    sockaddr_in6 s6;
    std::memcpy(&s6, sa_raw, sizeof s6);
    if (IN6_IS_ADDR_V4MAPPED(&s6.sin6_addr)) {
      inet_ntop(AF_INET, &s6.sin6_addr.s6_addr[12], buf, sizeof buf);
      return fmt::format("{}:{}", buf, ntohs(s6.sin6_port));
    }
    inet_ntop(AF_INET6, &s6.sin6_addr, buf, sizeof buf);
    return fmt::format("[{}]:{}", buf, ntohs(s6.sin6_port));
  }
  if (family == AF_UNIX) {
    sockaddr_un sun{};
    std::memcpy(&sun, sa_raw, std::min(len, sizeof sun));
    std::size_t plen = len - offsetof(sockaddr_un, sun_path);
    if (plen == 0) return "unix:";
    if (sun.sun_path[0] == 0) return "unix:@" + std::string(sun.sun_path + 1, plen - 1);
    return "unix:" + std::string(sun.sun_path, strnlen(sun.sun_path, plen));
  }
  return {};
}

}  // namespace fissure::detail

namespace fissure::detail {

bool tcp_port_listening(std::uint16_t port) {
  DiagSocket nl;
  bool found = false;
  for (std::uint8_t family : {AF_INET, AF_INET6}) {
    auto msg = diag_request<inet_diag_req_v2>(NLM_F_DUMP);
    msg.req.sdiag_family = family;
    msg.req.sdiag_protocol = IPPROTO_TCP;
    // LISTEN only: the kernel then walks just the listening hash, not every connection.
    msg.req.idiag_states = 1u << 10;  // TCP_LISTEN
    if (!nl.send_request(msg)) break;
    bool done = false;
    while (!done) {
      alignas(nlmsghdr) char buf[16384];
      ssize_t n = nl.receive(buf, sizeof buf);
      if (n <= 0) break;
      for (auto* h = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(h, static_cast<unsigned>(n));
           h = NLMSG_NEXT(h, n)) {
        if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) {
          done = true;
          break;
        }
        auto* r = static_cast<inet_diag_msg*>(NLMSG_DATA(h));
        if (ntohs(r->id.idiag_sport) == port) found = true;
      }
    }
    if (found) break;
  }
  return found;
}

namespace {
// The "flags:" line of /proc/PID/fdinfo/FD (octal open flags), -1 if unreadable.
long fdinfo_flags(pid_t pid, int fd) {
  std::ifstream in(fmt::format("/proc/{}/fdinfo/{}", pid, fd));
  std::string key;
  while (in >> key) {
    if (key == "flags:") {
      std::string octal;
      in >> octal;
      return static_cast<long>(std::stoul(octal, nullptr, 8));
    }
    std::string rest;
    std::getline(in, rest);
  }
  return -1;
}
}  // namespace

bool fd_close_on_exec(pid_t pid, int fd) {
  long flags = fdinfo_flags(pid, fd);
  return flags >= 0 && (flags & O_CLOEXEC) != 0;
}

int fd_access_mode(pid_t pid, int fd) {
  long flags = fdinfo_flags(pid, fd);
  return flags < 0 ? -1 : static_cast<int>(flags & 3);
}

}  // namespace fissure::detail

namespace fissure::detail {

std::optional<InetSocket> describe_inet_socket(int fd) {
  sockaddr_storage local{}, remote{};
  socklen_t llen = sizeof local, rlen = sizeof remote;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &llen) != 0) return std::nullopt;
  if (local.ss_family != AF_INET && local.ss_family != AF_INET6) return std::nullopt;
  int type = 0;
  socklen_t tlen = sizeof type;
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) != 0) return std::nullopt;
  if (type != SOCK_STREAM && type != SOCK_DGRAM) return std::nullopt;
  InetSocket s;
  s.stream = type == SOCK_STREAM;
  s.local = format_sockaddr(&local, llen);
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&remote), &rlen) == 0)
    s.remote = format_sockaddr(&remote, rlen);
  return s;
}

}  // namespace fissure::detail
