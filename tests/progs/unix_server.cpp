// unix_server PATH
// Unix stream socket bound at PATH (PATH unlinked first), listen, accept ONE
// connection, read until 200 bytes with buffer 50, write 200 bytes in writes
// of 100, expect EOF (read == 0), close, unlink PATH, exit 0. Any failure: one
// line on stderr, exit 2.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

constexpr const char* kProg = "unix_server";
constexpr std::size_t kRequest = 200;
constexpr std::size_t kReadBuf = 50;
constexpr std::size_t kReply = 200;
constexpr std::size_t kWriteChunk = 100;

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

void expect_eof(int fd, std::size_t bufsize) {
  char buf[512];
  for (;;) {
    ssize_t r = ::read(fd, buf, std::min(bufsize, sizeof buf));
    if (r < 0) {
      if (errno == EINTR) continue;
      die("read");
    }
    if (r != 0) fail("unexpected data before EOF");
    return;
  }
}

void close_or_die(int fd) {
  if (::close(fd) != 0) die("close");
}

void say_ready() {
  if (std::fputs("ready\n", stdout) == EOF || std::fflush(stdout) != 0) die("stdout");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) fail("usage: unix_server PATH");
  const char* path = argv[1];

  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (std::strlen(path) == 0 || std::strlen(path) >= sizeof addr.sun_path) fail("bad path length");
  std::memcpy(addr.sun_path, path, std::strlen(path) + 1);

  if (::unlink(path) != 0 && errno != ENOENT) die("unlink");

  int l = ::socket(AF_UNIX, SOCK_STREAM, 0);
  if (l < 0) die("socket");
  int one = 1;
  if (::setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) die("setsockopt");
  if (::bind(l, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) die("bind");
  if (::listen(l, 16) != 0) die("listen");
  say_ready();

  int c;
  for (;;) {
    sockaddr_un peer{};
    socklen_t len = sizeof peer;
    c = ::accept4(l, reinterpret_cast<sockaddr*>(&peer), &len, 0);
    if (c >= 0) break;
    if (errno != EINTR) die("accept4");
  }

  char req[kRequest];
  read_exact(c, req, kRequest, kReadBuf);
  check(req, kRequest);

  char reply[kReply];
  fill(reply, kReply);
  write_chunks(c, reply, kReply, kWriteChunk);  // 2 writes of 100

  expect_eof(c, kReadBuf);
  close_or_die(c);
  close_or_die(l);
  if (::unlink(path) != 0) die("unlink");
  return 0;
}
