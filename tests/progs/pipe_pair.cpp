// pipe_pair
// pipe2(fds, 0); fork. The child closes the read end, writes 150 bytes in
// writes of 50 and _exit(0)s. The parent closes the write end, reads until EOF
// with buffer 64 (must total 150), waitpid()s the child (must exit 0), exit 0.
// Any failure: one line on stderr, exit 2.
#include <fcntl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

constexpr const char* kProg = "pipe_pair";
constexpr std::size_t kTotal = 150;
constexpr std::size_t kWriteChunk = 50;
constexpr std::size_t kReadBuf = 64;

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

void close_or_die(int fd) {
  if (::close(fd) != 0) die("close");
}

}  // namespace

int main(int argc, char**) {
  if (argc != 1) fail("usage: pipe_pair");

  int fds[2];
  if (::pipe2(fds, 0) != 0) die("pipe2");

  pid_t pid = ::fork();
  if (pid < 0) die("fork");
  if (pid == 0) {
    close_or_die(fds[0]);
    char data[kTotal];
    fill(data, kTotal);
    write_chunks(fds[1], data, kTotal, kWriteChunk);  // 3 writes of 50
    _exit(0);  // no explicit close: the parent's EOF comes from the child's exit
  }

  close_or_die(fds[1]);
  std::size_t total = 0;
  for (;;) {
    char buf[kReadBuf];
    ssize_t r = ::read(fds[0], buf, sizeof buf);
    if (r < 0) {
      if (errno == EINTR) continue;
      die("read");
    }
    if (r == 0) break;
    for (ssize_t i = 0; i < r; ++i) {
      if (total >= kTotal) fail("too much data");
      if (buf[i] != pattern(total)) fail("payload mismatch");
      ++total;
    }
  }
  if (total != kTotal) fail("short data before EOF");
  close_or_die(fds[0]);

  int status = 0;
  pid_t w;
  do {
    w = ::waitpid(pid, &status, 0);
  } while (w < 0 && errno == EINTR);
  if (w < 0) die("waitpid");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) fail("child did not exit 0");
  return 0;
}
