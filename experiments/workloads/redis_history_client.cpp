// redis_history_client: a few concurrent clients read, write and compare-and-set a few keys of
// a Redis master that Sentinel manages, and record every operation as a Jepsen history
// (invoke, then ok, fail or info) for fissure's linearizability checker.
//
//   redis_history_client --sentinels 26379,26380,26381 --out FILE [--clients 3] [--keys 2]
//                        [--seconds 6] [--wait | --wait-clients N] [--timeout 400ms]
//                        [--pause 5ms] [--seed N]
//   redis_history_client --master 7000 --out FILE ...
//
// With --master the clients talk to that port only and never look for another master: a
// crash of it shows as fail and info operations, which a linearizability checker allows.
// Before each operation a client asks a sentinel where the master is
// (SENTINEL get-master-addr-by-name mymaster, each sentinel in turn), so it follows a failover;
// when no sentinel answers it keeps the master it knew. It speaks RESP by hand over TCP, so
// every byte is a syscall the tracer sees and a fault can land on. Operations:
//   read  GET k
//   write SET k V, V unique per key (a counter), so a lost write is identifiable
//   cas   EVAL "if get == ARGV[1] then set ARGV[2]" 1 k expected new
// With --wait (or for the first N clients, --wait-clients N), each write (and each cas that
// set) is followed on the same connection by WAIT 2 100, and its completion is WAIT's reply: the
// write is ok whatever count WAIT reports (Redis acknowledged the SET either way), and info if
// the connection is lost before WAIT answers. So a crash of the master between the SET and its
// replication is an info, not a lost acknowledged write; a master cut off from its replicas
// still acknowledges (WAIT says 0).
// The ok line of a write or cas carries the port of the master that acknowledged it as
// "master": PORT, and WAIT's count as "replicas": N (the checker ignores both). Replication is
// asynchronous: a write that fewer than 2 replicas had when WAIT timed out may be lost when the
// master dies and a replica that lacks it is promoted; one that both had survives a failover.
//
// Outcomes: a connect that fails or an error reply (READONLY, LOADING, ...) is fail: Redis did
// not run the command. No reply within --timeout, or a connection closed after the request went
// out, is info for a write or cas (it may have run) and fail for a read (a read changes
// nothing, so one whose answer is unknown may as well not have happened). After an info the
// client goes on as a new process id, as Jepsen's clients do.
//
// Exit status: 0 when the workload ran (whatever Redis answered), 2 on a usage error or when the
// history file cannot be written.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <random>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "history_recorder.hpp"

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void usage(const std::string& problem) {
  std::fprintf(
      stderr,
      "redis_history_client: %s\n"
      "usage: redis_history_client (--sentinels PORT,PORT,... | --master PORT) --out FILE\n"
      "       [--clients 3] [--keys 2] [--seconds 6] [--wait | --wait-clients N]\n"
      "       [--timeout 400ms] [--pause 5ms] [--ready 5s] [--seed N]\n",
      problem.c_str());
  std::exit(2);
}

std::chrono::milliseconds parse_duration(const std::string& flag, const std::string& text) {
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  std::string unit = end ? end : "";
  double ms = unit == "ms" ? v : unit == "s" ? v * 1000 : -1;
  if (end == text.c_str() || ms < 0)
    usage(flag + ": '" + text + "' is not a duration such as 500ms or 2s");
  return std::chrono::milliseconds(static_cast<long long>(ms));
}

long parse_number(const std::string& flag, const std::string& text, long lo, long hi) {
  char* end = nullptr;
  long v = std::strtol(text.c_str(), &end, 10);
  if (end == text.c_str() || *end || v < lo || v > hi)
    usage(flag + ": '" + text + "' is not a number from " + std::to_string(lo) + " to " +
          std::to_string(hi));
  return v;
}

struct Options {
  std::vector<std::uint16_t> sentinels;
  std::optional<std::uint16_t> master;  // fixed: no sentinel is asked
  std::string out;
  std::string master_name = "mymaster";
  int clients = 3;
  int keys = 2;
  std::chrono::milliseconds duration{6000};
  std::chrono::milliseconds timeout{400};
  std::chrono::milliseconds pause{5};
  std::chrono::milliseconds ready{5000};
  int wait_clients = 0;  // clients 0..N-1 WAIT after each write
  std::uint64_t seed = 0;
};

Options parse_args(int argc, char** argv) {
  Options o;
  o.seed = static_cast<std::uint64_t>(Clock::now().time_since_epoch().count());
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(a + ": needs a value");
      return argv[++i];
    };
    if (a == "--sentinels") {
      std::string list = value();
      std::size_t start = 0;
      while (true) {
        std::size_t comma = list.find(',', start);
        std::string item = list.substr(start, comma == std::string::npos ? comma : comma - start);
        o.sentinels.push_back(static_cast<std::uint16_t>(parse_number(a, item, 1, 65535)));
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    } else if (a == "--master") {
      o.master = static_cast<std::uint16_t>(parse_number(a, value(), 1, 65535));
    } else if (a == "--out") {
      o.out = value();
    } else if (a == "--master-name") {
      o.master_name = value();
    } else if (a == "--clients") {
      o.clients = static_cast<int>(parse_number(a, value(), 1, 100));
    } else if (a == "--keys") {
      o.keys = static_cast<int>(parse_number(a, value(), 1, 100));
    } else if (a == "--seconds") {
      o.duration = std::chrono::seconds(parse_number(a, value(), 1, 3600));
    } else if (a == "--timeout") {
      o.timeout = parse_duration(a, value());
    } else if (a == "--pause") {
      o.pause = parse_duration(a, value());
    } else if (a == "--ready") {
      o.ready = parse_duration(a, value());
    } else if (a == "--wait") {
      o.wait_clients = 100;  // every client: --clients is at most 100
    } else if (a == "--wait-clients") {
      o.wait_clients = static_cast<int>(parse_number(a, value(), 0, 100));
    } else if (a == "--seed") {
      o.seed = static_cast<std::uint64_t>(parse_number(a, value(), 0, 1L << 62));
    } else {
      usage("unknown option '" + a + "'");
    }
  }
  if (o.sentinels.empty() == !o.master) usage("give one of --sentinels and --master");
  if (o.out.empty()) usage("--out is required");
  if (o.timeout.count() == 0) usage("--timeout must be above 0");
  return o;
}

// A RESP reply. Bulk and simple strings in `text`; errors too, with error set.
struct Reply {
  char type = 0;  // '+', '-', ':', '$', '*'
  bool null = false;
  std::string text;
  long long integer = 0;
  std::vector<Reply> elements;
  bool error() const { return type == '-'; }
};

// How a request went: not sent at all (nothing reached Redis), answered, or lost after it was
// sent (a timeout, a reset, end of stream: Redis may have run it).
enum class Io { NotSent, Answered, Lost };

std::string command(const std::vector<std::string>& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const auto& a : args) out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return out;
}

// One TCP connection speaking RESP, every call bounded by a deadline.
class Connection {
 public:
  Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() { close(); }

  bool open() const { return fd_ >= 0; }
  std::uint16_t port() const { return port_; }

  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    buffer_.clear();
  }

  bool connect(std::uint16_t port, Clock::time_point deadline) {
    close();
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return false;
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      if (errno != EINPROGRESS || !wait_for(POLLOUT, deadline)) {
        close();
        return false;
      }
      int err = 0;
      socklen_t len = sizeof err;
      if (::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
        close();
        return false;
      }
    }
    port_ = port;
    return true;
  }

  // Sends one request and reads its reply. On anything but an answer the connection is
  // closed: a late reply must not be taken for the next request's.
  Io request(const std::string& req, Reply& reply, Clock::time_point deadline) {
    if (fd_ < 0) return Io::NotSent;
    std::size_t sent = 0;
    while (sent < req.size()) {
      ssize_t n = ::send(fd_, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
      if (n > 0) {
        sent += static_cast<std::size_t>(n);
      } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        if (!wait_for(POLLOUT, deadline)) return lost(sent);
      } else {
        return lost(sent);
      }
    }
    if (!parse(reply, deadline)) return lost(sent);
    return Io::Answered;
  }

 private:
  Io lost(std::size_t sent) {
    close();
    return sent == 0 ? Io::NotSent : Io::Lost;
  }

  bool wait_for(short events, Clock::time_point deadline) {
    while (true) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd_, events, 0};
      int r = ::poll(&p, 1, static_cast<int>(left.count()) + 1);
      if (r > 0) return true;
      if (r < 0 && errno != EINTR) return false;
    }
  }

  // Reads until buffer_ holds a line; returns it without its CRLF.
  bool line(std::string& out, Clock::time_point deadline) {
    while (true) {
      std::size_t crlf = buffer_.find("\r\n", pos_);
      if (crlf != std::string::npos) {
        out = buffer_.substr(pos_, crlf - pos_);
        pos_ = crlf + 2;
        return true;
      }
      if (!fill(deadline)) return false;
    }
  }

  bool bytes(std::size_t n, std::string& out, Clock::time_point deadline) {
    while (buffer_.size() - pos_ < n + 2)
      if (!fill(deadline)) return false;
    out = buffer_.substr(pos_, n);
    pos_ += n + 2;
    return true;
  }

  bool fill(Clock::time_point deadline) {
    if (pos_ > 0) {
      buffer_.erase(0, pos_);
      pos_ = 0;
    }
    char chunk[4096];
    while (true) {
      ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n > 0) {
        buffer_.append(chunk, static_cast<std::size_t>(n));
        return true;
      }
      if (n == 0) return false;
      if (errno == EINTR) continue;
      if (errno != EAGAIN || !wait_for(POLLIN, deadline)) return false;
    }
  }

  bool parse(Reply& r, Clock::time_point deadline) {
    std::string head;
    if (!line(head, deadline) || head.empty()) return false;
    r = Reply{};
    r.type = head[0];
    std::string rest = head.substr(1);
    switch (r.type) {
      case '+':
      case '-':
        r.text = rest;
        return true;
      case ':':
        r.integer = std::strtoll(rest.c_str(), nullptr, 10);
        return true;
      case '$': {
        long long n = std::strtoll(rest.c_str(), nullptr, 10);
        if (n < 0) {
          r.null = true;
          return true;
        }
        return bytes(static_cast<std::size_t>(n), r.text, deadline);
      }
      case '*': {
        long long n = std::strtoll(rest.c_str(), nullptr, 10);
        if (n < 0) {
          r.null = true;
          return true;
        }
        for (long long i = 0; i < n; ++i) {
          r.elements.emplace_back();
          if (!parse(r.elements.back(), deadline)) return false;
        }
        return true;
      }
      default:
        return false;  // not RESP: treat as a lost connection
    }
  }

  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::string buffer_;
  std::size_t pos_ = 0;
};

const char* kCasScript =
    "if redis.call('get',KEYS[1])==ARGV[1] then redis.call('set',KEYS[1],ARGV[2]) return 1 "
    "else return 0 end";

enum class F { Read, Write, Cas };

struct Tally {
  std::atomic<long> ok{0}, fail{0}, info{0};
};

class Workload {
 public:
  Workload(const Options& o, fissure::workloads::HistoryRecorder& history)
      : o_(o), history_(history), next_value_(static_cast<std::size_t>(o.keys)) {}

  // Waits until both replicas acknowledge a write (SET of a key the workload does not use,
  // then WAIT 2 200), so the workload starts on a replicated cluster. Not recorded. WAIT 2 with
  // nothing written was not enough: it counts replicas online, and in some runs under the
  // tracer the first 0.8 s of the workload's WAITs then timed out with 0 replicas.
  void wait_until_replicated() {
    auto end = Clock::now() + o_.ready;
    Connection sentinel, master;
    std::size_t turn = 0;
    while (Clock::now() < end) {
      std::optional<std::uint16_t> port = ask_sentinels(sentinel, turn);
      Reply set, r;
      if (port && master.connect(*port, Clock::now() + o_.timeout) &&
          master.request(command({"SET", "replicated", "1"}), set, Clock::now() + o_.timeout) ==
              Io::Answered &&
          !set.error() &&
          master.request(command({"WAIT", "2", "200"}), r, Clock::now() + o_.timeout * 2) ==
              Io::Answered &&
          r.type == ':' && r.integer >= 2)
        return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::fprintf(stderr,
                 "redis_history_client: 2 replicas had not acknowledged a write after %lld ms;"
                 " going on\n",
                 static_cast<long long>(o_.ready.count()));
  }

  void run() {
    end_ = Clock::now() + o_.duration;
    std::vector<std::thread> threads;
    for (int i = 0; i < o_.clients; ++i) threads.emplace_back([this, i] { client(i); });
    for (auto& t : threads) t.join();
    std::printf("redis_history_client: %ld ok, %ld fail, %ld info\n", tally_.ok.load(),
                tally_.fail.load(), tally_.info.load());
  }

 private:
  // The master's port as a sentinel says; nullopt when no sentinel answered.
  std::optional<std::uint16_t> ask_sentinels(Connection& sentinel, std::size_t& turn) {
    if (o_.master) return o_.master;
    for (std::size_t tried = 0; tried < o_.sentinels.size(); ++tried) {
      auto deadline = Clock::now() + o_.timeout;
      std::uint16_t port = o_.sentinels[turn % o_.sentinels.size()];
      if (!sentinel.open() || sentinel.port() != port) sentinel.connect(port, deadline);
      Reply r;
      if (sentinel.open() &&
          sentinel.request(command({"SENTINEL", "get-master-addr-by-name", o_.master_name}), r,
                           deadline) == Io::Answered &&
          r.type == '*' && r.elements.size() == 2) {
        long p = std::strtol(r.elements[1].text.c_str(), nullptr, 10);
        if (p > 0 && p < 65536) return static_cast<std::uint16_t>(p);
      }
      sentinel.close();
      ++turn;
    }
    return std::nullopt;
  }

  void client(int index) {
    std::mt19937_64 rng(o_.seed * 1000003 + static_cast<std::uint64_t>(index));
    std::int64_t process = index;
    Connection sentinel, master;
    std::size_t turn = static_cast<std::size_t>(index);
    std::optional<std::uint16_t> master_port;
    while (Clock::now() < end_) {
      if (o_.pause.count() > 0) std::this_thread::sleep_for(o_.pause);
      if (auto p = ask_sentinels(sentinel, turn)) master_port = p;
      if (!master_port) continue;  // no sentinel has answered yet: nothing to talk to
      if (master.open() && master.port() != *master_port) master.close();

      int key_index = static_cast<int>(rng() % static_cast<std::uint64_t>(o_.keys));
      std::string key = "k" + std::to_string(key_index);
      std::atomic<std::int64_t>& counter = next_value_[static_cast<std::size_t>(key_index)];
      // Reads are most of the mix: a write lost in a failover shows only if some read of its
      // key on the new master comes before the next write there overwrites the evidence.
      auto pick = rng() % 20;
      F f = pick < 12 ? F::Read : pick < 17 ? F::Write : F::Cas;
      if (f == F::Cas && counter.load() == 0) f = F::Write;  // nothing to compare against yet
      const char* fname = f == F::Read ? "read" : f == F::Write ? "write" : "cas";
      std::int64_t value = 0, expected = 0;
      std::string req;
      if (f == F::Read) {
        req = command({"GET", key});
        history_.invoke(process, fname, key, nullptr);
      } else if (f == F::Write) {
        value = ++counter;
        req = command({"SET", key, std::to_string(value)});
        history_.invoke(process, fname, key, value);
      } else {
        // Expect one of the last few values written, so that some compares hold.
        std::int64_t last = counter.load();
        expected = std::max<std::int64_t>(1, last - static_cast<std::int64_t>(rng() % 3));
        value = ++counter;
        req = command(
            {"EVAL", kCasScript, "1", key, std::to_string(expected), std::to_string(value)});
        history_.invoke_cas(process, key, expected, value);
      }

      auto deadline = Clock::now() + o_.timeout;
      Reply r;
      Io io = Io::NotSent;
      if (master.open() || master.connect(*master_port, deadline))
        io = master.request(req, r, deadline);
      bool wrote = io == Io::Answered && !r.error() &&
                   (f == F::Write || (f == F::Cas && r.type == ':' && r.integer == 1));
      // Which master acknowledged the write, and what WAIT answered: how many replicas had it
      // (none recorded without WAIT).
      fissure::workloads::HistoryRecorder::Acknowledgement ack{.master = *master_port,
                                                               .replicas = std::nullopt};
      if (wrote && index < o_.wait_clients) {
        // WAIT's own answer decides: until it comes, the write may not have left the master.
        Reply w;
        Io wio = master.request(command({"WAIT", "2", "100"}), w, Clock::now() + o_.timeout);
        if (wio != Io::Answered || w.error()) io = Io::Lost;
        if (wio == Io::Answered && w.type == ':') ack.replicas = w.integer;
      }

      if (io == Io::Answered && !r.error()) {
        if (f == F::Read) {
          if (r.null) {
            history_.ok(process, fname, key, nullptr);
          } else {
            char* end = nullptr;
            long long v = std::strtoll(r.text.c_str(), &end, 10);
            if (end == r.text.c_str() || *end) {
              // Nobody here writes anything but integers: record what is known and say so.
              std::fprintf(stderr, "redis_history_client: GET %s returned '%s'\n", key.c_str(),
                           r.text.c_str());
              history_.fail(process, fname, key);
              ++tally_.fail;
              continue;
            }
            history_.ok(process, fname, key, static_cast<std::int64_t>(v));
          }
          ++tally_.ok;
        } else if (f == F::Write) {
          history_.ok_write(process, key, value, ack);
          ++tally_.ok;
        } else if (wrote) {
          history_.ok_cas(process, key, expected, value, ack);
          ++tally_.ok;
        } else {
          history_.fail(process, fname, key);  // the compare did not hold: nothing was set
          ++tally_.fail;
        }
        continue;
      }
      if (io == Io::Answered) {
        // An error reply: Redis refused the command (READONLY on a demoted master, LOADING).
        history_.fail(process, fname, key);
        ++tally_.fail;
        master.close();  // the master may have changed: reconnect to whatever sentinels say
        continue;
      }
      if (io == Io::NotSent || f == F::Read) {
        history_.fail(process, fname, key);
        ++tally_.fail;
        // Nothing is listening there (the master is down): back off as a real client would,
        // rather than fill the history and the trace with refusals until the failover.
        if (io == Io::NotSent) std::this_thread::sleep_for(std::chrono::milliseconds(50));
      } else {
        history_.info(process, fname, key);
        ++tally_.info;
        process += o_.clients;
      }
      master.close();
    }
  }

  const Options& o_;
  fissure::workloads::HistoryRecorder& history_;
  std::vector<std::atomic<std::int64_t>> next_value_;
  Clock::time_point end_;
  Tally tally_;
};

}  // namespace

int main(int argc, char** argv) {
  Options o = parse_args(argc, argv);
  std::optional<fissure::workloads::HistoryRecorder> history;
  try {
    history.emplace(o.out);
  } catch (const std::system_error& e) {
    std::fprintf(stderr, "redis_history_client: %s\n", e.what());
    return 2;
  }
  Workload w(o, *history);
  w.wait_until_replicated();
  w.run();
  return 0;
}
