// A netlink socket for sock_diag requests, and the requests' layout: how the tracer asks the
// kernel about sockets without touching the tracee.
#pragma once

#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>

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

}  // namespace fissure::detail
