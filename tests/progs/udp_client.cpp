// udp_client PORT
// Unconnected UDP socket; send datagrams of sizes 10, 20, 30 to
// 127.0.0.1:PORT, each followed by receiving the 5-byte reply before sending
// the next. The 10- and 30-byte ones use sendto/recvfrom; the 20-byte one uses
// sendmsg (msg_name set) and its reply is received with recvmsg. Exit 0.
// A 10s SO_RCVTIMEO turns a lost datagram (server not up) into exit 2 instead
// of a hang. Any failure: one line on stderr, exit 2.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

constexpr const char* kProg = "udp_client";
constexpr std::size_t kSizes[3] = {10, 20, 30};
constexpr std::size_t kReply = 5;
constexpr std::size_t kRecvBuf = 100;

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "%s: %s: %s\n", kProg, what, std::strerror(errno));
  _exit(2);
}

[[noreturn]] void fail(const char* msg) {
  std::fprintf(stderr, "%s: %s\n", kProg, msg);
  _exit(2);
}

std::uint16_t parse_port(const char* s) {
  char* end = nullptr;
  errno = 0;
  long v = std::strtol(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || v < 1 || v > 65535) fail("bad port");
  return static_cast<std::uint16_t>(v);
}

char pattern(std::size_t i) {
  return static_cast<char>('a' + i % 26);
}

void fill(char* buf, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) buf[i] = pattern(i);
}

void check(const char* buf, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    if (buf[i] != pattern(i)) fail("payload mismatch");
}

void close_or_die(int fd) {
  if (::close(fd) != 0) die("close");
}

void check_reply(ssize_t r, const char* buf, const sockaddr_in& from, socklen_t len,
                 const sockaddr_in& server) {
  if (static_cast<std::size_t>(r) != kReply) fail("unexpected reply size");
  check(buf, kReply);
  if (len != sizeof(sockaddr_in) || from.sin_family != AF_INET ||
      from.sin_port != server.sin_port || from.sin_addr.s_addr != server.sin_addr.s_addr)
    fail("reply from unexpected address");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) fail("usage: udp_client PORT");
  const std::uint16_t port = parse_port(argv[1]);

  int s = ::socket(AF_INET, SOCK_DGRAM, 0);
  if (s < 0) die("socket");
  timeval tv{10, 0};
  if (::setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0) die("setsockopt");

  sockaddr_in server{};
  server.sin_family = AF_INET;
  server.sin_port = htons(port);
  server.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

  char out[32];
  fill(out, sizeof out);

  for (std::size_t size : kSizes) {
    char buf[kRecvBuf];
    sockaddr_in from{};
    socklen_t len = sizeof from;
    ssize_t w;
    ssize_t r;
    if (size != 20) {
      do {
        w = ::sendto(s, out, size, 0, reinterpret_cast<sockaddr*>(&server), sizeof server);
      } while (w < 0 && errno == EINTR);
      if (w < 0) die("sendto");
      if (static_cast<std::size_t>(w) != size) fail("short sendto");

      do {
        len = sizeof from;
        r = ::recvfrom(s, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
      } while (r < 0 && errno == EINTR);
      if (r < 0) die("recvfrom");
    } else {
      iovec iov{out, size};
      msghdr msg{};
      msg.msg_name = &server;
      msg.msg_namelen = sizeof server;
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      do {
        w = ::sendmsg(s, &msg, 0);
      } while (w < 0 && errno == EINTR);
      if (w < 0) die("sendmsg");
      if (static_cast<std::size_t>(w) != size) fail("short sendmsg");

      iovec riov{buf, sizeof buf};
      msghdr rmsg{};
      do {
        rmsg = msghdr{};
        rmsg.msg_name = &from;
        rmsg.msg_namelen = sizeof from;
        rmsg.msg_iov = &riov;
        rmsg.msg_iovlen = 1;
        r = ::recvmsg(s, &rmsg, 0);
      } while (r < 0 && errno == EINTR);
      if (r < 0) die("recvmsg");
      if (rmsg.msg_flags & MSG_TRUNC) fail("reply truncated");
      len = rmsg.msg_namelen;
    }
    check_reply(r, buf, from, len, server);
  }

  close_or_die(s);
  return 0;
}
