#include "tcp_counters.hpp"

#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>

#include "diag_socket.hpp"

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
