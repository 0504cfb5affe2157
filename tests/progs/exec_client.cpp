// exec_client PORT
// Before exec: opens a TCP socket WITHOUT close-on-exec and moves it to fd 10
// (dup2 + close of the original), and opens another TCP socket WITH
// SOCK_CLOEXEC (it lands on the lowest free fd, normally 3). Neither is
// connected. Then execv()s <dirname of /proc/self/exe>/tcp_client with argv
// {"tcp_client", PORT}: after the exec fd 10 is still open, the SOCK_CLOEXEC
// one is gone. tcp_client ignores both. Any failure: one line on stderr,
// exit 2.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

constexpr const char* kProg = "exec_client";
constexpr int kKeptFd = 10;

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "%s: %s: %s\n", kProg, what, std::strerror(errno));
  _exit(2);
}

[[noreturn]] void fail(const char* msg) {
  std::fprintf(stderr, "%s: %s\n", kProg, msg);
  _exit(2);
}

void close_or_die(int fd) {
  if (::close(fd) != 0) die("close");
}

std::string own_dir() {
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf);
  if (n < 0) die("readlink /proc/self/exe");
  if (static_cast<std::size_t>(n) >= sizeof buf) fail("readlink /proc/self/exe: path too long");
  std::string path(buf, static_cast<std::size_t>(n));
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) fail("readlink /proc/self/exe: no directory");
  return path.substr(0, slash == 0 ? 1 : slash);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) fail("usage: exec_client PORT");

  const std::string target = own_dir() + "/tcp_client";

  int keep = ::socket(AF_INET, SOCK_STREAM, 0);
  if (keep < 0) die("socket");
  if (keep != kKeptFd) {
    if (::dup2(keep, kKeptFd) != kKeptFd) die("dup2");
    close_or_die(keep);
  }
  int cloexec = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (cloexec < 0) die("socket(SOCK_CLOEXEC)");
  (void)cloexec;  // deliberately left open; exec closes it

  std::string arg0 = "tcp_client";
  std::string arg1 = argv[1];
  char* const args[] = {arg0.data(), arg1.data(), nullptr};
  ::execv(target.c_str(), args);
  die("execv");
}
