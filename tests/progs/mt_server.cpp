// mt_server PORT N
// Listen on 127.0.0.1:PORT; the main thread accepts N connections, each handled
// by a new std::thread that reads until 100 bytes with buffer 100, writes 100
// bytes in one write, then closes. Main joins all threads and exits 0. Any
// failure (in any thread): one line on stderr, exit 2.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <system_error>
#include <thread>
#include <vector>

namespace {

constexpr const char* kProg = "mt_server";
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

void say_ready() {
  if (std::fputs("ready\n", stdout) == EOF || std::fflush(stdout) != 0) die("stdout");
}

int listen_tcp(std::uint16_t port) {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  if (s < 0) die("socket");
  int one = 1;
  if (::setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) die("setsockopt");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) die("bind");
  if (::listen(s, 16) != 0) die("listen");
  return s;
}

int accept_one(int l) {
  for (;;) {
    sockaddr_in peer{};
    socklen_t len = sizeof peer;
    int c = ::accept4(l, reinterpret_cast<sockaddr*>(&peer), &len, 0);
    if (c >= 0) return c;
    if (errno != EINTR) die("accept4");
  }
}

void handle(int c) {
  char req[kMsg];
  read_exact(c, req, kMsg, kReadBuf);
  check(req, kMsg);
  char reply[kMsg];
  fill(reply, kMsg);
  write_chunks(c, reply, kMsg, kMsg);  // ONE write of 100
  close_or_die(c);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) fail("usage: mt_server PORT N");
  const std::uint16_t port = parse_port(argv[1]);
  const int n = parse_count(argv[2]);

  int l = listen_tcp(port);
  say_ready();

  std::vector<std::thread> threads;
  threads.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    int c = accept_one(l);
    try {
      threads.emplace_back(handle, c);
    } catch (const std::system_error& e) {
      errno = e.code().value();
      die("std::thread");
    }
  }
  for (auto& t : threads) {
    try {
      t.join();
    } catch (const std::system_error& e) {
      errno = e.code().value();
      die("std::thread::join");
    }
  }
  close_or_die(l);
  return 0;
}
