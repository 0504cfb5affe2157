// file_writer PATH
// open(PATH, O_WRONLY|O_CREAT|O_TRUNC, 0644); write 4096 bytes in writes of
// 1024; fsync; pwrite 100 more bytes at offset 4096; fdatasync; close. Then
// read its own /proc/self/status to EOF (buffer 1024) -- a read on a
// non-interesting file. The resulting file is bytes 0..4195 of the usual
// 'a' + i % 26 pattern. Exit 0. Any failure: one line on stderr, exit 2.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

constexpr const char* kProg = "file_writer";
constexpr std::size_t kMain = 4096;
constexpr std::size_t kWriteChunk = 1024;
constexpr std::size_t kTail = 100;
constexpr std::size_t kStatusBuf = 1024;

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

void pwrite_all(int fd, const char* data, std::size_t n, off_t offset) {
  std::size_t off = 0;
  while (off < n) {
    ssize_t w = ::pwrite(fd, data + off, n - off, offset + static_cast<off_t>(off));
    if (w < 0) {
      if (errno == EINTR) continue;
      die("pwrite");
    }
    if (w == 0) fail("pwrite returned 0");
    off += static_cast<std::size_t>(w);
  }
}

void close_or_die(int fd) {
  if (::close(fd) != 0) die("close");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) fail("usage: file_writer PATH");

  static char data[kMain + kTail];
  fill(data, sizeof data);

  int fd = ::open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) die("open");
  write_chunks(fd, data, kMain, kWriteChunk);  // 4 writes of 1024
  if (::fsync(fd) != 0) die("fsync");
  pwrite_all(fd, data + kMain, kTail, static_cast<off_t>(kMain));
  if (::fdatasync(fd) != 0) die("fdatasync");
  close_or_die(fd);

  int st = ::open("/proc/self/status", O_RDONLY);
  if (st < 0) die("open /proc/self/status");
  std::size_t total = 0;
  for (;;) {
    char buf[kStatusBuf];
    ssize_t r = ::read(st, buf, sizeof buf);
    if (r < 0) {
      if (errno == EINTR) continue;
      die("read /proc/self/status");
    }
    if (r == 0) break;
    total += static_cast<std::size_t>(r);
  }
  if (total == 0) fail("/proc/self/status was empty");
  close_or_die(st);
  return 0;
}
