// unix_client PATH
// Connect to the unix stream socket at PATH (retrying every 10ms for up to 2s
// on ECONNREFUSED or ENOENT -- the latter while the server has not bound yet --
// with a new socket each try), write 200 bytes in ONE write, read until 200
// bytes with buffer 80, close, exit 0. Any failure: one line on stderr, exit 2.
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

constexpr const char* kProg = "unix_client";
constexpr std::size_t kRequest = 200;
constexpr std::size_t kReply = 200;
constexpr std::size_t kReadBuf = 80;

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "%s: %s: %s\n", kProg, what, std::strerror(errno));
  _exit(2);
}

[[noreturn]] void fail(const char* msg) {
  std::fprintf(stderr, "%s: %s\n", kProg, msg);
  _exit(2);
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

int connect_retry(const sockaddr_un& addr) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  for (;;) {
    int s = ::socket(AF_UNIX, SOCK_STREAM, 0);
    if (s < 0) die("socket");
    if (::connect(s, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) return s;
    const int err = errno;
    close_or_die(s);
    if ((err != ECONNREFUSED && err != ENOENT) || std::chrono::steady_clock::now() >= deadline) {
      errno = err;
      die("connect");
    }
    sleep_10ms();
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) fail("usage: unix_client PATH");
  const char* path = argv[1];

  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (std::strlen(path) == 0 || std::strlen(path) >= sizeof addr.sun_path) fail("bad path length");
  std::memcpy(addr.sun_path, path, std::strlen(path) + 1);

  int s = connect_retry(addr);

  char req[kRequest];
  fill(req, kRequest);
  write_chunks(s, req, kRequest, kRequest);  // ONE write of 200

  char reply[kReply];
  read_exact(s, reply, kReply, kReadBuf);
  check(reply, kReply);

  close_or_die(s);
  return 0;
}
