// Connects to PORT, writes 300 bytes in one write, shuts down its sending side, then reads
// until EOF (expects exactly 300 bytes back) and closes. Talks to tcp_server.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace {
[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "halfclose_client: %s: %s\n", what, std::strerror(errno));
  _exit(2);
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: halfclose_client PORT\n");
    return 2;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(std::atoi(argv[1])));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int fd = -1;
  for (int attempt = 0; attempt < 200; ++attempt) {  // the server may still be starting
    fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) die("socket");
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) break;
    if (errno != ECONNREFUSED) die("connect");
    close(fd);
    fd = -1;
    timespec ts{0, 10'000'000};
    nanosleep(&ts, nullptr);
  }
  if (fd < 0) die("connect");
  char msg[300];
  for (int i = 0; i < 300; ++i) msg[i] = static_cast<char>('a' + i % 26);
  if (write(fd, msg, sizeof msg) != static_cast<ssize_t>(sizeof msg)) die("write");
  if (shutdown(fd, SHUT_WR) != 0) die("shutdown");
  char buf[128];
  long total = 0;
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0) die("read");
    if (n == 0) break;
    total += n;
  }
  close(fd);
  if (total != 300) {
    std::fprintf(stderr, "halfclose_client: got %ld bytes, want 300\n", total);
    return 2;
  }
  return 0;
}
