// etcd_history_client: a few concurrent clients read, write and compare-and-set a few keys of
// an etcd 3.4 cluster for a while and record every operation as a Jepsen history (invoke, then
// ok, fail or info) for fissure's linearizability checker.
//
//   etcd_history_client --endpoints HOST:PORT,HOST:PORT,... --out FILE [--duration 2s]
//                       [--clients 5] [--keys 3] [--timeout 500ms] [--ready 10s] [--seed N]
//
// It speaks the v3 JSON gateway that etcd serves on each member's client port
// (POST /v3/kv/range, /v3/kv/put, /v3/kv/txn; keys and values base64), over plain HTTP/1.1
// written by hand, so that every byte it exchanges is a syscall the tracer sees and a fault
// can land on. Reads are linearizable (the gateway's default, serializable = false).
//
// It first waits (up to --ready) for a member to accept a write, so that a healthy cluster's
// history does not open with its election. When none does, it runs all the same: a member
// cut off with the client from the others is unavailable, not wrong, and the history of its
// failed operations says so.
//
// Exit status: 0 when the workload ran (whatever the cluster answered), 2 on a usage error.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <rapidjson/document.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "history_recorder.hpp"

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void usage(const std::string& problem) {
  std::fprintf(stderr,
               "etcd_history_client: %s\n"
               "usage: etcd_history_client --endpoints HOST:PORT,... --out FILE [--duration 2s]\n"
               "       [--clients 5] [--keys 3] [--timeout 500ms] [--ready 10s] [--seed N]\n",
               problem.c_str());
  std::exit(2);
}

std::chrono::milliseconds parse_duration(const std::string& flag, const std::string& text) {
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  std::string unit = end ? end : "";
  double ms = unit == "ms" ? v : unit == "s" ? v * 1000 : -1;
  if (end == text.c_str() || ms <= 0)
    usage(flag + ": '" + text + "' is not a positive duration such as 500ms or 2s");
  return std::chrono::milliseconds(static_cast<long long>(ms));
}

int parse_count(const std::string& flag, const std::string& text) {
  char* end = nullptr;
  long v = std::strtol(text.c_str(), &end, 10);
  if (end == text.c_str() || *end || v <= 0 || v > 1000)
    usage(flag + ": '" + text + "' is not a count from 1 to 1000");
  return static_cast<int>(v);
}

struct Endpoint {
  std::string text;  // as given, for messages and the Host header
  sockaddr_in addr{};
};

std::vector<Endpoint> parse_endpoints(const std::string& list) {
  std::vector<Endpoint> out;
  std::size_t start = 0;
  while (start <= list.size()) {
    std::size_t comma = list.find(',', start);
    std::string item =
        list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    std::size_t colon = item.rfind(':');
    Endpoint e;
    e.text = item;
    e.addr.sin_family = AF_INET;
    int port = colon == std::string::npos ? 0 : std::atoi(item.c_str() + colon + 1);
    if (colon == std::string::npos || port <= 0 || port > 65535 ||
        inet_pton(AF_INET, item.substr(0, colon).c_str(), &e.addr.sin_addr) != 1)
      usage("--endpoints: '" + item + "' is not IPV4:PORT such as 127.0.0.1:2379");
    e.addr.sin_port = htons(static_cast<std::uint16_t>(port));
    out.push_back(e);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::string base64(const std::string& in) {
  static const char* table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v =
        (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 | (unsigned char)in[i + 2];
    out += {table[v >> 18], table[(v >> 12) & 63], table[(v >> 6) & 63], table[v & 63]};
  }
  if (i + 1 == in.size()) {
    unsigned v = (unsigned char)in[i] << 16;
    out += {table[v >> 18], table[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8;
    out += {table[v >> 18], table[(v >> 12) & 63], table[(v >> 6) & 63], '='};
  }
  return out;
}

std::optional<std::string> unbase64(const std::string& in) {
  std::string out;
  unsigned acc = 0;
  int bits = 0;
  for (char c : in) {
    int v = c >= 'A' && c <= 'Z'   ? c - 'A'
            : c >= 'a' && c <= 'z' ? c - 'a' + 26
            : c >= '0' && c <= '9' ? c - '0' + 52
            : c == '+'             ? 62
            : c == '/'             ? 63
            : c == '='             ? -2
                                   : -1;
    if (v == -1) return std::nullopt;
    if (v == -2) break;
    acc = acc << 6 | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

// What became of one HTTP exchange. What the history may say depends on whether any byte of
// the request left: before that, nothing can have happened.
enum class Io { Ok, NotSent, Lost };

struct Reply {
  Io io = Io::NotSent;
  int status = 0;
  std::string body;
  std::string why;  // for the log, when io != Ok
};

// One keep-alive HTTP/1.1 connection to one member, with every step bounded by the
// operation's deadline.
class Connection {
 public:
  ~Connection() { close(); }

  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  Reply post(const Endpoint& ep, const std::string& path, const std::string& json,
             Clock::time_point deadline) {
    Reply r;
    if (fd_ >= 0 && peer_closed()) close();
    if (fd_ < 0 && !connect(ep, deadline, r.why)) return r;
    std::string req =
        "POST " + path + " HTTP/1.1\r\nHost: " + ep.text +
        "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(json.size()) +
        "\r\n\r\n" + json;
    std::size_t sent = 0;
    while (sent < req.size()) {
      ssize_t n = ::send(fd_, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
      if (n > 0) {
        sent += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && errno == EAGAIN && wait(POLLOUT, deadline)) continue;
      r.why = n < 0 && errno != EAGAIN ? std::string("send: ") + std::strerror(errno)
                                       : "send timed out";
      r.io = sent == 0 ? Io::NotSent : Io::Lost;
      close();
      return r;
    }
    r.io = Io::Lost;
    if (!read_reply(deadline, r)) {
      close();
      return r;
    }
    r.io = Io::Ok;
    return r;
  }

 private:
  bool connect(const Endpoint& ep, Clock::time_point deadline, std::string& why) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
      why = std::string("socket: ") + std::strerror(errno);
      return false;
    }
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    int rc = ::connect(fd_, reinterpret_cast<const sockaddr*>(&ep.addr), sizeof ep.addr);
    if (rc < 0 && errno == EINPROGRESS) {
      if (!wait(POLLOUT, deadline)) {
        why = "connect timed out";
        close();
        return false;
      }
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
      rc = err ? -1 : 0;
      errno = err;
    }
    if (rc < 0) {
      why = std::string("connect: ") + std::strerror(errno);
      close();
      return false;
    }
    return true;
  }

  // A member that crashed or closed an idle keep-alive connection leaves it readable at end
  // of stream: reconnecting then keeps the next request from being lost for nothing.
  bool peer_closed() {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0) return false;
    char c;
    return ::recv(fd_, &c, 1, MSG_PEEK | MSG_DONTWAIT) <= 0;
  }

  bool wait(short events, Clock::time_point deadline) {
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd_, events, 0};
      int n = ::poll(&p, 1, static_cast<int>(left.count()));
      if (n > 0) return true;
      if (n < 0 && errno != EINTR) return false;
    }
  }

  bool read_reply(Clock::time_point deadline, Reply& r) {
    std::string in;
    std::size_t header_end = std::string::npos, need = 0;
    char buf[16384];
    for (;;) {
      if (header_end == std::string::npos) {
        header_end = in.find("\r\n\r\n");
        if (header_end != std::string::npos && !parse_header(in.substr(0, header_end), r, need))
          return false;
      }
      if (header_end != std::string::npos && in.size() >= header_end + 4 + need) {
        r.body = in.substr(header_end + 4, need);
        return true;
      }
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n > 0) {
        in.append(buf, static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && errno == EAGAIN && wait(POLLIN, deadline)) continue;
      r.why = n == 0            ? "connection closed before the reply"
              : errno == EAGAIN ? "no reply within the timeout"
                                : std::string("recv: ") + std::strerror(errno);
      return false;
    }
  }

  static bool parse_header(const std::string& head, Reply& r, std::size_t& length) {
    if (std::sscanf(head.c_str(), "HTTP/1.%*d %d", &r.status) != 1) {
      r.why = "not an HTTP reply";
      return false;
    }
    std::string lower = head;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    std::size_t at = lower.find("\r\ncontent-length:");
    if (at == std::string::npos) {
      // The gateway sends a length for every unary call; anything else is not etcd's answer.
      r.why = "reply without Content-Length";
      return false;
    }
    length = std::strtoul(lower.c_str() + at + 17, nullptr, 10);
    return true;
  }

  int fd_ = -1;
};

struct Options {
  std::vector<Endpoint> endpoints;
  std::string out;
  std::chrono::milliseconds duration{2000}, timeout{500}, ready{10000};
  int clients = 5, keys = 3;
  std::uint64_t seed = 0;
};

Options parse_args(int argc, char** argv) {
  Options o;
  o.seed = static_cast<std::uint64_t>(Clock::now().time_since_epoch().count());
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (i + 1 >= argc) usage(flag + ": needs a value");
    std::string v = argv[++i];
    if (flag == "--endpoints")
      o.endpoints = parse_endpoints(v);
    else if (flag == "--out")
      o.out = v;
    else if (flag == "--duration")
      o.duration = parse_duration(flag, v);
    else if (flag == "--timeout")
      o.timeout = parse_duration(flag, v);
    else if (flag == "--ready")
      o.ready = parse_duration(flag, v);
    else if (flag == "--clients")
      o.clients = parse_count(flag, v);
    else if (flag == "--keys")
      o.keys = parse_count(flag, v);
    else if (flag == "--seed")
      o.seed = std::strtoull(v.c_str(), nullptr, 10);
    else
      usage("unknown flag '" + flag + "'");
  }
  if (o.endpoints.empty()) usage("--endpoints: missing");
  if (o.out.empty()) usage("--out: missing");
  return o;
}

// What etcd's JSON says, read leniently: the gateway leaves out fields at their default
// (false, empty), so a missing "succeeded" is false and a range without "kvs" found nothing.
struct Parsed {
  bool ok = false;         // a JSON object with a header: etcd answered the call
  bool succeeded = false;  // txn: the compare held
  std::optional<std::string> value;
};

Parsed parse_body(const std::string& body, bool txn) {
  Parsed p;
  rapidjson::Document d;
  d.Parse(body.c_str(), body.size());
  if (d.HasParseError() || !d.IsObject() || !d.HasMember("header")) return p;
  p.ok = true;
  if (txn) {
    auto s = d.FindMember("succeeded");
    p.succeeded = s != d.MemberEnd() && s->value.IsBool() && s->value.GetBool();
    return p;
  }
  auto kvs = d.FindMember("kvs");
  if (kvs != d.MemberEnd() && kvs->value.IsArray() && kvs->value.Size() > 0) {
    const auto& kv = kvs->value[0];
    auto v = kv.FindMember("value");
    // A key written with an empty value has none in the JSON; the workload never writes one.
    p.value =
        v != kv.MemberEnd() && v->value.IsString() ? unbase64(v->value.GetString()) : std::string();
  }
  return p;
}

struct Tally {
  std::atomic<long> ok{0}, fail{0}, info{0};
};

class Workload {
 public:
  Workload(const Options& o, fissure::workloads::HistoryRecorder& history)
      : o_(o), history_(history), next_value_(static_cast<std::size_t>(o.keys)) {}

  // The first write any member accepts says the cluster has a leader; before that every
  // operation would time out and say nothing about the system under faults.
  bool wait_for_leader() {
    auto give_up = Clock::now() + o_.ready;
    std::string body =
        "{\"key\":\"" + base64("fissure-ready") + "\",\"value\":\"" + base64("1") + "\"}";
    Connection c;
    for (std::size_t i = 0; Clock::now() < give_up; ++i) {
      const Endpoint& ep = o_.endpoints[i % o_.endpoints.size()];
      Reply r = c.post(ep, "/v3/kv/put", body, Clock::now() + o_.timeout);
      if (r.io == Io::Ok && r.status == 200 && parse_body(r.body, false).ok) {
        std::printf("cluster ready: %s accepted a write after %lld ms\n", ep.text.c_str(),
                    static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                               Clock::now() - (give_up - o_.ready))
                                               .count()));
        return true;
      }
      c.close();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  void run() {
    end_ = Clock::now() + o_.duration;
    std::vector<std::thread> threads;
    for (int i = 0; i < o_.clients; ++i) threads.emplace_back([this, i] { client(i); });
    for (auto& t : threads) t.join();
    std::printf("%ld ok, %ld fail, %ld info\n", tally_.ok.load(), tally_.fail.load(),
                tally_.info.load());
  }

 private:
  enum class F { Read, Write, Cas };

  void client(int index) {
    std::mt19937_64 rng(o_.seed * 7919 + static_cast<std::uint64_t>(index));
    // Jepsen's rule: a process whose last operation ended unknown never invokes again, so
    // the thread carries on as a fresh process.
    std::int64_t process = index;
    std::size_t member = static_cast<std::size_t>(index) % o_.endpoints.size();
    Connection conn;
    while (Clock::now() < end_) {
      int key_index = static_cast<int>(rng() % static_cast<std::uint64_t>(o_.keys));
      std::string key = "k" + std::to_string(key_index);
      std::atomic<long>& counter = next_value_[static_cast<std::size_t>(key_index)];
      auto pick = rng() % 10;
      F f = pick < 4 ? F::Read : pick < 7 ? F::Write : F::Cas;
      long value = 0, expected = 0;
      std::string path, body;
      if (f == F::Read) {
        path = "/v3/kv/range";
        body = "{\"key\":\"" + base64(key) + "\"}";
        history_.invoke(process, "read", key, nullptr);
      } else if (f == F::Write) {
        value = ++counter;
        path = "/v3/kv/put";
        body =
            "{\"key\":\"" + base64(key) + "\",\"value\":\"" + base64(std::to_string(value)) + "\"}";
        history_.invoke(process, "write", key, value);
      } else {
        // Expect one of the last few values written, so that some compares hold (the first
        // value of a key expects 0, which is never written, and fails).
        value = ++counter;
        expected = std::max(0L, value - 1 - static_cast<long>(rng() % 3));
        path = "/v3/kv/txn";
        body = "{\"compare\":[{\"key\":\"" + base64(key) +
               "\",\"target\":\"VALUE\",\"result\":\"EQUAL\",\"value\":\"" +
               base64(std::to_string(expected)) + "\"}],\"success\":[{\"requestPut\":{\"key\":\"" +
               base64(key) + "\",\"value\":\"" + base64(std::to_string(value)) + "\"}}]}";
        history_.invoke_cas(process, key, expected, value);
      }
      const char* fname = f == F::Read ? "read" : f == F::Write ? "write" : "cas";
      auto deadline = Clock::now() + o_.timeout;
      Reply r;
      // A member that refuses the connection has certainly not seen the request: try the
      // next one within the same deadline.
      for (std::size_t tried = 0; tried < o_.endpoints.size(); ++tried) {
        r = conn.post(o_.endpoints[member], path, body, deadline);
        if (r.io != Io::NotSent) break;
        member = (member + 1) % o_.endpoints.size();
      }
      Parsed p;
      if (r.io == Io::Ok && r.status == 200) p = parse_body(r.body, f == F::Cas);
      if (p.ok) {
        if (f == F::Read) {
          if (p.value)
            history_.ok(process, fname, key, std::strtol(p.value->c_str(), nullptr, 10));
          else
            history_.ok(process, fname, key, nullptr);
          ++tally_.ok;
        } else if (f == F::Cas && !p.succeeded) {
          history_.fail(process, fname, key);  // the txn ran and its compare did not hold
          ++tally_.fail;
        } else {
          history_.ok(process, fname, key);
          ++tally_.ok;
        }
        continue;
      }
      // Not an answer. A read changes nothing, so one that may have run is as good as one
      // that did not; a write or cas that reached a member may still commit.
      if (r.io == Io::NotSent || f == F::Read) {
        history_.fail(process, fname, key);
        ++tally_.fail;
      } else {
        history_.info(process, fname, key);
        ++tally_.info;
        process += o_.clients;
      }
      // The member may be down or cut off: the next operation goes to another one.
      conn.close();
      member = (member + 1) % o_.endpoints.size();
    }
  }

  const Options& o_;
  fissure::workloads::HistoryRecorder& history_;
  std::vector<std::atomic<long>> next_value_;
  Clock::time_point end_;
  Tally tally_;
};

}  // namespace

int main(int argc, char** argv) {
  Options o = parse_args(argc, argv);
  fissure::workloads::HistoryRecorder history(o.out);
  Workload w(o, history);
  if (!w.wait_for_leader())
    std::printf("no member of %zu accepted a write within %lld ms; running anyway\n",
                o.endpoints.size(), static_cast<long long>(o.ready.count()));
  w.run();
  return 0;
}
