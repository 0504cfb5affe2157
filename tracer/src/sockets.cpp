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

namespace fissure::detail {

// One sock_diag request: the netlink header, then the family's request.
template <class Req>
struct DiagRequest {
  nlmsghdr nlh;
  Req req;
};

template <class Req>
DiagRequest<Req> diag_request(std::uint16_t flags) {
  DiagRequest<Req> m{};
  m.nlh.nlmsg_len = sizeof m;
  m.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  m.nlh.nlmsg_flags = static_cast<std::uint16_t>(NLM_F_REQUEST | flags);
  return m;
}

class DiagSocket {
 public:
  DiagSocket() : fd_(socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG)) {}
  ~DiagSocket() {
    if (fd_ >= 0) close(fd_);
  }
  DiagSocket(const DiagSocket&) = delete;
  DiagSocket& operator=(const DiagSocket&) = delete;
  template <class Req>
  bool send_request(const DiagRequest<Req>& m) {
    return fd_ >= 0 && send(fd_, &m, sizeof m, 0) == static_cast<ssize_t>(sizeof m);
  }
  ssize_t receive(char* buf, std::size_t len) { return recv(fd_, buf, len, 0); }

 private:
  int fd_;
};

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

namespace {

// The kernel's TCP states (include/net/tcp_states.h; not in the uapi headers).
enum : int {
  TCP_FIN_WAIT1 = 4,
  TCP_FIN_WAIT2 = 5,
  TCP_TIME_WAIT = 6,
  TCP_CLOSE_WAIT = 8,
  TCP_LAST_ACK = 9,
  TCP_CLOSING = 11,
};

// "1.2.3.4:80" or "[::1]:80" -> family, address bytes, port (network order).
bool parse_endpoint(const std::string& ep, int& family, std::array<std::uint32_t, 4>& addr,
                    std::uint16_t& port) {
  auto colon = ep.rfind(':');
  if (colon == std::string::npos) return false;
  const char* digits = ep.c_str() + colon + 1;
  char* end = nullptr;
  unsigned long p = std::strtoul(digits, &end, 10);
  if (end == digits || *end != 0 || p > 65535) return false;
  port = htons(static_cast<std::uint16_t>(p));
  std::string host = ep.substr(0, colon);
  addr = {};
  if (host.size() > 2 && host.front() == '[') {
    family = AF_INET6;
    return inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), addr.data()) == 1;
  }
  family = AF_INET;
  return inet_pton(AF_INET, host.c_str(), addr.data()) == 1;
}

}  // namespace

TcpCounters::TcpCounters() : nl_(std::make_unique<DiagSocket>()) {}
TcpCounters::~TcpCounters() = default;

const nlmsghdr* TcpCounters::lookup(const std::string& local, const std::string& remote, char* buf,
                                    std::size_t len) {
  auto msg = diag_request<inet_diag_req_v2>(0);
  int family = 0, peer_family = 0;
  std::array<std::uint32_t, 4> src{}, dst{};
  std::uint16_t sport = 0, dport = 0;
  if (!parse_endpoint(local, family, src, sport) ||
      !parse_endpoint(remote, peer_family, dst, dport))
    return nullptr;
  if (family != peer_family) {
    // An IPv6 socket talking to an IPv4 peer names both ends v4-mapped.
    auto mapped = [](std::array<std::uint32_t, 4>& a) { a = {0, 0, htonl(0xffff), a[0]}; };
    if (family == AF_INET)
      mapped(src);
    else
      mapped(dst);
    family = AF_INET6;
  }
  msg.req.sdiag_family = static_cast<std::uint8_t>(family);
  msg.req.sdiag_protocol = IPPROTO_TCP;
  msg.req.idiag_states = ~0u;
  msg.req.idiag_ext = 1u << (INET_DIAG_INFO - 1);
  msg.req.id.idiag_sport = sport;
  msg.req.id.idiag_dport = dport;
  std::memcpy(msg.req.id.idiag_src, src.data(), sizeof src);
  std::memcpy(msg.req.id.idiag_dst, dst.data(), sizeof dst);
  msg.req.id.idiag_cookie[0] = msg.req.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
  if (!nl_->send_request(msg)) return nullptr;
  ssize_t n = nl_->receive(buf, len);
  auto* h = reinterpret_cast<const nlmsghdr*>(buf);
  if (n <= 0 || !NLMSG_OK(h, static_cast<unsigned>(n)) || h->nlmsg_type != SOCK_DIAG_BY_FAMILY)
    return nullptr;
  return h;
}

std::optional<std::uint64_t> TcpCounters::inode_of(const std::string& local,
                                                   const std::string& remote) {
  alignas(nlmsghdr) char buf[4096];
  const nlmsghdr* h = lookup(local, remote, buf, sizeof buf);
  if (!h) return std::nullopt;
  auto inode = static_cast<const inet_diag_msg*>(NLMSG_DATA(h))->idiag_inode;
  if (inode == 0) return std::nullopt;
  return inode;
}

std::optional<TcpTotals> TcpCounters::query(const std::string& local, const std::string& remote,
                                            std::uint64_t inode) {
  alignas(nlmsghdr) char buf[4096];
  const nlmsghdr* h = lookup(local, remote, buf, sizeof buf);
  if (!h) return std::nullopt;
  auto* d = static_cast<const inet_diag_msg*>(NLMSG_DATA(h));
  // A closed socket's 4-tuple can still match its listener: only our own inode counts.
  if (d->idiag_inode != inode) return std::nullopt;
  tcp_info info{};
  int len = static_cast<int>(h->nlmsg_len - NLMSG_LENGTH(sizeof *d));
  bool have_info = false;
  for (auto* a = reinterpret_cast<const rtattr*>(d + 1); RTA_OK(a, len); a = RTA_NEXT(a, len))
    if (a->rta_type == INET_DIAG_INFO) {
      std::memcpy(&info, RTA_DATA(a), std::min<std::size_t>(RTA_PAYLOAD(a), sizeof info));
      have_info = true;
    }
  if (!have_info) return std::nullopt;
  TcpTotals t;
  t.state = d->idiag_state;
  bool fin_sent = t.state == TCP_FIN_WAIT1 || t.state == TCP_FIN_WAIT2 || t.state == TCP_CLOSING ||
                  t.state == TCP_LAST_ACK || t.state == TCP_TIME_WAIT;
  t.fin_received = t.state == TCP_CLOSE_WAIT || t.state == TCP_LAST_ACK || t.state == TCP_CLOSING ||
                   t.state == TCP_TIME_WAIT;
  // rqueue counts the FIN until the read that reaches it, which also consumes it.
  std::uint64_t received = info.tcpi_bytes_received;
  t.read_if_no_fin = received - d->idiag_rqueue;
  t.read_if_fin = received > 0 ? std::min(t.read_if_no_fin, received - 1) : 0;
  t.written = info.tcpi_bytes_acked + d->idiag_wqueue - (fin_sent ? 1 : 0);
  return t;
}

}  // namespace fissure::detail

namespace fissure::detail {

OwnedFd& OwnedFd::operator=(OwnedFd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) close(fd_);
    fd_ = std::exchange(o.fd_, -1);
  }
  return *this;
}

OwnedFd::~OwnedFd() {
  if (fd_ >= 0) close(fd_);
}

OwnedFd TraceeFds::copy(pid_t tgid, int fd, std::uint64_t inode) {
  auto it = pidfds_.find(tgid);
  if (it == pidfds_.end()) {
    int pidfd = static_cast<int>(syscall(SYS_pidfd_open, tgid, 0));
    if (pidfd < 0) return {};
    it = pidfds_.emplace(tgid, OwnedFd(pidfd)).first;
  }
  OwnedFd copy(static_cast<int>(syscall(SYS_pidfd_getfd, it->second.get(), fd, 0)));
  if (!copy || inode == 0) return copy;
  struct stat st {};
  if (fstat(copy.get(), &st) != 0 || st.st_ino != inode) return {};
  return copy;
}

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

std::optional<TcpTotals> tcp_totals(int fd) {
  tcp_info info{};
  socklen_t len = sizeof info;
  int inq = 0, outq = 0;
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0 || ioctl(fd, SIOCINQ, &inq) != 0 ||
      ioctl(fd, SIOCOUTQ, &outq) != 0)
    return std::nullopt;
  TcpTotals t;
  t.state = info.tcpi_state;
  bool fin_sent = t.state == TCP_FIN_WAIT1 || t.state == TCP_FIN_WAIT2 || t.state == TCP_CLOSING ||
                  t.state == TCP_LAST_ACK || t.state == TCP_TIME_WAIT;
  t.fin_received = t.state == TCP_CLOSE_WAIT || t.state == TCP_LAST_ACK || t.state == TCP_CLOSING ||
                   t.state == TCP_TIME_WAIT;
  // SIOCINQ counts data only (no FIN); bytes_received counts the FIN's sequence number too.
  std::uint64_t received = info.tcpi_bytes_received;
  t.read_if_no_fin = received - static_cast<std::uint64_t>(inq);
  t.read_if_fin = t.read_if_no_fin > 0 ? t.read_if_no_fin - 1 : 0;
  t.written = info.tcpi_bytes_acked + static_cast<std::uint64_t>(outq) - (fin_sent ? 1 : 0);
  return t;
}

}  // namespace fissure::detail
