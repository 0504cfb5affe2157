// mt_client PORT N
// N connections to 127.0.0.1:PORT in sequence (connect retried every 10ms for
// up to 2s on ECONNREFUSED, new socket each try); each: write 100 bytes in one
// write, read until 100 bytes with buffer 100, close. Exit 0. Any failure: one
// line on stderr, exit 2.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

constexpr const char* kProg = "mt_client";
constexpr std::size_t kMsg = 100;
constexpr std::size_t kReadBuf = 100;

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

int parse_count(const char* s) {
  char* end = nullptr;
  errno = 0;
  long v = std::strtol(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || v < 1 || v > 1000) fail("bad N");
  return static_cast<int>(v);
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

void write_chunks(int fd, const char* data, std::size_t n, std::size_t chunk) {
  std::size_t off = 0;
  while (off < n) {
    const std::size_t end = off + std::min(chunk, n - off);
    while (off < end) {
      ssize_t w = ::write(fd, data + off, end - off);
      if (w < 0) {
        if (errno == EINTR) continue;
        die("write");
      }
      if (w == 0) fail("write returned 0");
      off += static_cast<std::size_t>(w);
    }
  }
}

void read_exact(int fd, char* buf, std::size_t n, std::size_t bufsize) {
  std::size_t got = 0;
  while (got < n) {
    ssize_t r = ::read(fd, buf + got, std::min(bufsize, n - got));
    if (r < 0) {
      if (errno == EINTR) continue;
      die("read");
    }
    if (r == 0) fail("unexpected EOF");
    got += static_cast<std::size_t>(r);
  }
}

void close_or_die(int fd) {
  if (::close(fd) != 0) die("close");
}

void sleep_10ms() {
  timespec ts{0, 10 * 1000 * 1000};
  while (::nanosleep(&ts, &ts) != 0)
    if (errno != EINTR) die("nanosleep");
}

int connect_retry(std::uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  for (;;) {
    int s = ::socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) die("socket");
    if (::connect(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) return s;
    const int err = errno;
    close_or_die(s);
    if (err != ECONNREFUSED || std::chrono::steady_clock::now() >= deadline) {
      errno = err;
      die("connect");
    }
    sleep_10ms();
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) fail("usage: mt_client PORT N");
  const std::uint16_t port = parse_port(argv[1]);
  const int n = parse_count(argv[2]);

  char req[kMsg];
  fill(req, kMsg);
  for (int i = 0; i < n; ++i) {
    int s = connect_retry(port);
    write_chunks(s, req, kMsg, kMsg);  // ONE write of 100
    char reply[kMsg];
    read_exact(s, reply, kMsg, kReadBuf);
    check(reply, kMsg);
    close_or_die(s);
  }
  return 0;
}
