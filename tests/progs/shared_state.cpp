// shared_state server FEED_PORT SERVE_PORT | source FEED_PORT | client SERVE_PORT
// A threaded server whose answer depends, through memory its threads share, on a message
// another thread received: no syscall of the answering thread sees that message.
// - server: one thread accepts the source on FEED_PORT and stores the line it sends; the
//   main thread accepts the client on SERVE_PORT, reads its request and answers with the
//   stored value ("-" when none has come), then both exit 0.
// - source: waits for ${RUN_DIR}/go, connects to FEED_PORT, sends "42\n", stays up.
// - client: creates ${RUN_DIR}/go, waits 300 ms, asks on SERVE_PORT. It exits 0 on "42",
//   also when it gets no answer within 1 s (the server is unavailable: no wrong answer), and 1
//   on any other answer, saying so.
// Any failure of the program itself: one line on stderr, exit 2.
#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>

namespace {

constexpr const char* kProg = "shared_state";

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "%s: %s: %s\n", kProg, what, std::strerror(errno));
  _exit(2);
}

std::uint16_t parse_port(const char* s) {
  char* end = nullptr;
  long v = std::strtol(s, &end, 10);
  if (end == s || *end != '\0' || v < 1 || v > 65535) {
    std::fprintf(stderr, "%s: bad port '%s'\n", kProg, s);
    _exit(2);
  }
  return static_cast<std::uint16_t>(v);
}

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

int listen_on(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) die("socket");
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a = loopback(port);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0) die("bind");
  if (::listen(fd, 4) < 0) die("listen");
  return fd;
}

// A connection, or -1 when the peer is not there (refused) or the call was failed.
int connect_to(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) die("socket");
  sockaddr_in a = loopback(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// One line (without its newline); empty when the stream ends or fails first.
std::string read_line(int fd) {
  std::string out;
  char c = 0;
  while (::read(fd, &c, 1) == 1) {
    if (c == '\n') return out;
    out += c;
  }
  return "";
}

bool send_all(int fd, const std::string& s) {
  return ::write(fd, s.data(), s.size()) == static_cast<ssize_t>(s.size());
}

std::string go_file() {
  const char* dir = std::getenv("RUN_DIR");
  return std::string(dir ? dir : ".") + "/go";
}

int server(std::uint16_t feed_port, std::uint16_t serve_port) {
  int feed = listen_on(feed_port);
  int serve = listen_on(serve_port);
  std::mutex mu;
  std::string value = "-";
  std::thread feeder([&] {
    int c = ::accept(feed, nullptr, nullptr);
    if (c < 0) return;
    std::string v = read_line(c);
    if (v.empty()) return;
    std::lock_guard<std::mutex> lock(mu);
    value = v;
  });
  feeder.detach();  // a source that never sends leaves it waiting: the answer does not
  int c = ::accept(serve, nullptr, nullptr);
  if (c < 0) die("accept");
  if (read_line(c) != "get") return 0;
  std::string answer;
  {
    std::lock_guard<std::mutex> lock(mu);
    answer = value;
  }
  send_all(c, answer + "\n");
  ::close(c);
  ::sleep(3600);  // a service: it stays up until the run ends
  return 0;
}

int source(std::uint16_t feed_port) {
  while (::access(go_file().c_str(), F_OK) != 0) ::usleep(2000);
  int fd = connect_to(feed_port);
  if (fd >= 0) send_all(fd, "42\n");
  ::sleep(3600);
  return 0;
}

int client(std::uint16_t serve_port) {
  int go = ::open(go_file().c_str(), O_CREAT | O_WRONLY, 0644);
  if (go < 0) die("open go");
  ::close(go);
  // The source polls for `go` every 2 ms, then connects and sends: a few ms traced, 300 ms
  // leaves room for a loaded machine.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  int fd = connect_to(serve_port);
  if (fd < 0) return 0;  // unavailable
  timeval limit{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  if (!send_all(fd, "get\n")) return 0;
  std::string answer = read_line(fd);
  if (answer.empty() || answer == "42") return 0;
  std::printf("wrong answer: the server said '%s', the source sent '42'\n", answer.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string role = argc > 1 ? argv[1] : "";
  if (role == "server" && argc == 4) return server(parse_port(argv[2]), parse_port(argv[3]));
  if (role == "source" && argc == 3) return source(parse_port(argv[2]));
  if (role == "client" && argc == 3) return client(parse_port(argv[2]));
  std::fprintf(stderr,
               "usage: %s server FEED_PORT SERVE_PORT | source FEED_PORT | client SERVE_PORT\n",
               kProg);
  return 2;
}
