// udp_server PORT [READY_FILE]
// Bind a UDP socket on 127.0.0.1:PORT, then 3 times: recvfrom (buffer 100) one
// datagram (sizes must be 10, 20, 30 in that order) and reply with sendto of a
// 5-byte datagram to the sender's address. Exit 0. Any failure: one line on
// stderr, exit 2. Once bound it creates READY_FILE, if given: a spec's
// ready = "file:..." then starts the client only when a datagram can no longer
// be lost for want of a socket (no fixed delay is enough on a loaded machine).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

constexpr const char* kProg = "udp_server";
constexpr std::size_t kRecvBuf = 100;
constexpr std::size_t kSizes[3] = {10, 20, 30};
constexpr std::size_t kReply = 5;

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

void say_ready() {
  if (std::fputs("ready\n", stdout) == EOF || std::fflush(stdout) != 0) die("stdout");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2 && argc != 3) fail("usage: udp_server PORT [READY_FILE]");
  const std::uint16_t port = parse_port(argv[1]);

  int s = ::socket(AF_INET, SOCK_DGRAM, 0);
  if (s < 0) die("socket");
  int one = 1;
  if (::setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) die("setsockopt");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) die("bind");
  say_ready();
  if (argc == 3) {
    int f = ::open(argv[2], O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (f < 0) die("ready file");
    close_or_die(f);
  }

  char reply[kReply];
  fill(reply, kReply);

  for (std::size_t expected : kSizes) {
    char buf[kRecvBuf];
    sockaddr_in peer{};
    socklen_t len = sizeof peer;
    ssize_t r;
    do {
      len = sizeof peer;
      r = ::recvfrom(s, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&peer), &len);
    } while (r < 0 && errno == EINTR);
    if (r < 0) die("recvfrom");
    if (static_cast<std::size_t>(r) != expected) fail("unexpected datagram size");
    check(buf, expected);

    ssize_t w;
    do {
      w = ::sendto(s, reply, kReply, 0, reinterpret_cast<sockaddr*>(&peer), len);
    } while (w < 0 && errno == EINTR);
    if (w < 0) die("sendto");
    if (static_cast<std::size_t>(w) != kReply) fail("short sendto");
  }

  close_or_die(s);
  return 0;
}
