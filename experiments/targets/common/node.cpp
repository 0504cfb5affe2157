#include "node.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>

#include "run_dir.hpp"

namespace suite {
namespace {

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return sa;
}

int bound_socket(int type, std::uint16_t port) {
  int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket");
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in sa = loopback(port);
  if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0)
    die("bind 127.0.0.1:" + std::to_string(port));
  return fd;
}

}  // namespace

Node::Node(std::vector<std::string> names, std::string me, std::set<std::string> shared,
           std::set<std::string> peers)
    : names_(std::move(names)), shared_(std::move(shared)), peers_(std::move(peers)) {
  auto it = std::find(names_.begin(), names_.end(), me);
  if (it == names_.end()) die("no node named '" + me + "' in this target");
  me_ = static_cast<std::size_t>(it - names_.begin());
}

Node::~Node() {
  std::set<int> fds(socks_.begin(), socks_.end());
  for (int fd : fds)
    if (fd >= 0) close(fd);
  if (ready_fd_ >= 0) close(ready_fd_);
}

std::size_t Node::index_of(const std::string& n) const {
  auto it = std::find(names_.begin(), names_.end(), n);
  if (it == names_.end()) die("no node named '" + n + "'");
  return static_cast<std::size_t>(it - names_.begin());
}

std::uint16_t Node::port(std::size_t i, std::size_t j) const {
  return static_cast<std::uint16_t>(is_shared(i) ? 7000 + 11 * i : 7000 + 10 * i + j);
}

void Node::open(bool readiness_port) {
  socks_.assign(names_.size(), -1);
  int shared_fd = is_shared(me_) ? bound_socket(SOCK_DGRAM, port(me_, me_)) : -1;
  for (std::size_t j = 0; j < names_.size(); ++j)
    if (talks_to(j))
      socks_[j] = shared_fd >= 0 ? shared_fd : bound_socket(SOCK_DGRAM, port(me_, j));
  if (readiness_port) {
    ready_fd_ = bound_socket(SOCK_STREAM, ready_port(me_));
    if (listen(ready_fd_, 8) != 0) die("listen");
  }
}

void Node::connect_peers() {
  if (is_shared(me_)) return;
  for (std::size_t j = 0; j < names_.size(); ++j) {
    if (!talks_to(j)) continue;
    sockaddr_in sa = loopback(port(j, me_));
    if (connect(socks_[j], reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) die("connect");
  }
}

void Node::send(const std::string& peer, std::string_view text) {
  std::size_t j = index_of(peer);
  if (!talks_to(j)) die("node " + name() + " does not talk to " + peer);
  sockaddr_in sa = loopback(port(j, me_));
  // A lost datagram is no error: the sender never knows.
  if (is_shared(me_))
    sendto(socks_[j], text.data(), text.size(), 0, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  else
    ::send(socks_[j], text.data(), text.size(), 0);
}

void Node::multicast(const std::vector<std::string>& peers, std::string_view text) {
  if (!is_shared(me_)) die("multicast needs a shared socket");
  std::vector<sockaddr_in> addrs;
  for (const auto& p : peers) addrs.push_back(loopback(port(index_of(p), me_)));
  std::vector<iovec> iov(peers.size());
  std::vector<mmsghdr> msgs(peers.size());
  for (std::size_t i = 0; i < peers.size(); ++i) {
    iov[i] = {const_cast<char*>(text.data()), text.size()};
    msgs[i].msg_hdr.msg_name = &addrs[i];
    msgs[i].msg_hdr.msg_namelen = sizeof addrs[i];
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  sendmmsg(socks_[index_of(peers.front())], msgs.data(), static_cast<unsigned>(msgs.size()), 0);
}

std::optional<Message> Node::receive(Clock::time_point until) {
  std::vector<pollfd> fds;
  std::vector<std::size_t> peer_of;
  for (std::size_t j = 0; j < names_.size(); ++j) {
    if (!talks_to(j)) continue;
    if (is_shared(me_) && !fds.empty()) break;
    fds.push_back({socks_[j], POLLIN, 0});
    peer_of.push_back(j);
  }
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
    if (left.count() < 0) return std::nullopt;
    // poll is not traced; recv is, and each call is an injection point, so recv
    // runs only when a datagram is there.
    int n = poll(fds.data(), fds.size(), static_cast<int>(left.count()) + 1);
    if (n < 0 && errno != EINTR) die("poll");
    for (std::size_t k = 0; n > 0 && k < fds.size(); ++k) {
      if (!(fds[k].revents & POLLIN)) continue;
      char buf[512];
      sockaddr_in from{};
      socklen_t len = sizeof from;
      ssize_t got = is_shared(me_) ? recvfrom(fds[k].fd, buf, sizeof buf, 0,
                                              reinterpret_cast<sockaddr*>(&from), &len)
                                   : recv(fds[k].fd, buf, sizeof buf, 0);
      if (got < 0) continue;  // ECONNREFUSED: an earlier datagram met a crashed peer
      std::size_t j = peer_of[k];
      if (is_shared(me_)) {
        j = names_.size();
        for (std::size_t i = 0; i < names_.size(); ++i)
          if (i != me_ && port(i, me_) == ntohs(from.sin_port)) j = i;
        if (j == names_.size()) continue;
      }
      return Message{names_[j], std::string(buf, static_cast<std::size_t>(got))};
    }
  }
}

}  // namespace suite
