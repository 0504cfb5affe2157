// A client with two servers: asks PORT_A (100 bytes out, 100 back); if that fails in any way
// (refused, reset, cut short), asks PORT_B instead. Exits 0 once either answered in full.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

bool ask(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  char buf[100];
  for (int i = 0; i < 100; ++i) buf[i] = static_cast<char>('a' + i % 26);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
            write(fd, buf, sizeof buf) == 100;
  int got = 0;
  while (ok && got < 100) {
    ssize_t n = read(fd, buf, sizeof buf - static_cast<std::size_t>(got));
    if (n <= 0)
      ok = false;
    else
      got += static_cast<int>(n);
  }
  close(fd);
  if (!ok)
    std::fprintf(stderr, "fallback_client: port %d failed (%s)\n", port,
                 errno ? std::strerror(errno) : "cut short");
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: fallback_client PORT_A PORT_B\n");
    return 2;
  }
  if (ask(std::atoi(argv[1]))) return 0;
  errno = 0;
  return ask(std::atoi(argv[2])) ? 0 : 2;
}
