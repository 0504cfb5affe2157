// socketpair(AF_UNIX, TYPE) then fork: the child writes 3 messages of 40 bytes and exits;
// the parent reads them (stream: until 120 bytes; dgram: 3 datagrams) and waits for it.
// usage: socketpair_pair stream|dgram
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {
[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "socketpair_pair: %s: %s\n", what, std::strerror(errno));
  _exit(2);
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: socketpair_pair stream|dgram\n");
    return 2;
  }
  bool dgram = std::string(argv[1]) == "dgram";
  int sv[2];
  if (socketpair(AF_UNIX, dgram ? SOCK_DGRAM : SOCK_STREAM, 0, sv) != 0) die("socketpair");
  pid_t child = fork();
  if (child < 0) die("fork");
  char msg[40];
  for (int i = 0; i < 40; ++i) msg[i] = static_cast<char>('a' + i % 26);
  if (child == 0) {
    close(sv[0]);
    for (int i = 0; i < 3; ++i)
      if (write(sv[1], msg, sizeof msg) != static_cast<ssize_t>(sizeof msg)) die("write");
    _exit(0);
  }
  close(sv[1]);
  char buf[64];
  int total = 0;
  for (int reads = 0; dgram ? reads < 3 : total < 120; ++reads) {
    ssize_t n = read(sv[0], buf, dgram ? sizeof buf : 50);
    if (n <= 0) die("read");
    total += static_cast<int>(n);
  }
  int status = 0;
  if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    die("child");
  return total == 120 ? 0 : 2;
}
