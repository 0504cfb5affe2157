// kafka-isr (after Molly's kafka.ded and Kafka 0.8's replication): leader a,
// followers b and c, and a controller z standing for ZooKeeper. The producer
// (the client) sends a write to a; a appends it and replicates it to every
// follower in its in-sync replica set (ISR). A follower that has not
// acknowledged within 50 ms is dropped from the ISR, and a tells z the new ISR
// before it acknowledges the write (acks=all: every replica still in the ISR
// has it). When the leader dies, z elects the first live ISR member; with none
// left it elects any live replica (unclean election, as Kafka then did). So:
// the replication to b and c is lost, a shrinks the ISR to {a}, acknowledges
// the write, crashes, and z elects b, which never had it: an acknowledged write
// is lost.
#include <chrono>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "args.hpp"
#include "node.hpp"
#include "run_dir.hpp"

namespace {

const std::vector<std::string> kNames = {"a", "b", "c", "z", "client"};
const std::vector<std::string> kReplicas = {"a", "b", "c"};
constexpr auto kForever = std::chrono::hours(1);
constexpr auto kAckTimeout = std::chrono::milliseconds(50);
constexpr auto kWatchEvery = std::chrono::milliseconds(5);
constexpr const char* kValue = "v1";

std::string log_file(const std::string& replica) {
  return "log-" + replica + ".log";
}

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

void leader(suite::Node& node) {
  std::vector<std::string> isr = {"b", "c"};  // the followers in sync
  for (;;) {
    auto m = node.receive(suite::Clock::now() + kForever);
    if (!m || m->from != "client" || !m->text.starts_with("write ")) continue;
    std::string value = m->text.substr(6);
    suite::record(log_file("a"), value);
    for (const auto& f : isr) node.send(f, "repl " + value);
    std::set<std::string> acked;
    auto deadline = suite::Clock::now() + kAckTimeout;
    while (acked.size() < isr.size()) {
      auto r = node.receive(deadline);
      if (!r) break;
      if (r->text == "acked " + value) acked.insert(r->from);
    }
    if (acked.size() < isr.size()) {
      isr.assign(acked.begin(), acked.end());
      std::vector<std::string> all = {"a"};
      all.insert(all.end(), isr.begin(), isr.end());
      node.send("z", "isr " + join(all, ","));
    }
    node.send("client", "ack " + value);
  }
}

void follower(suite::Node& node) {
  for (;;) {
    auto m = node.receive(suite::Clock::now() + kForever);
    if (m && m->text.starts_with("repl ")) {
      suite::record(log_file(node.name()), m->text.substr(5));
      node.send(m->from, "acked " + m->text.substr(5));
    }
  }
}

void controller(suite::Node& node) {
  std::string current = "a";
  std::set<std::string> isr = {"a", "b", "c"};
  for (;;) {
    // Messages first: an ISR change the leader sent before it died is taken
    // into account.
    while (auto m = node.receive(suite::Clock::now() + kWatchEvery)) {
      if (m->from == current && m->text.starts_with("isr ")) {
        isr.clear();
        std::string list = m->text.substr(4);
        for (std::size_t at = 0; at <= list.size();) {
          auto comma = list.find(',', at);
          if (comma == std::string::npos) comma = list.size();
          isr.insert(list.substr(at, comma - at));
          at = comma + 1;
        }
      }
    }
    // The session of a dead leader expires (a perfect failure detector: no
    // message of the run says so, as a crash in Molly's model is known).
    if (suite::alive(current)) continue;
    std::string next;
    for (const auto& r : kReplicas)
      if (next.empty() && r != current && isr.contains(r) && suite::alive(r)) next = r;
    for (const auto& r : kReplicas)  // unclean election
      if (next.empty() && r != current && suite::alive(r)) next = r;
    if (next.empty()) continue;
    suite::record("leader", next);
    for (const auto& r : kReplicas)
      if (r != current) node.send(r, "leader " + next);
    current = next;
  }
}

int run_node(const std::string& me) {
  // Followers talk to the leader and z; the producer to a alone.
  std::set<std::string> peers = {"a", "b", "c", "z"};
  if (me == "a") peers.insert("client");
  if (me == "b") peers.erase("c");
  if (me == "c") peers.erase("b");
  suite::Node node(kNames, me, {}, peers);
  node.open();
  suite::wait_for_trigger();
  node.connect_peers();
  if (me == "a")
    leader(node);
  else if (me == "z")
    controller(node);
  else
    follower(node);
  return 0;
}

// The producer: one write, acks=all; its acknowledgement is the run's outcome.
int client() {
  suite::Node node(kNames, "client", {}, {"a"});
  node.open(false);
  suite::pull_trigger();
  node.connect_peers();
  suite::sleep_ms(10);  // the nodes poll for the trigger every 2 ms, then connect
  node.send("a", std::string("write ") + kValue);
  auto deadline = suite::Clock::now() + std::chrono::milliseconds(300);
  while (auto m = node.receive(deadline)) {
    if (m->from == "a" && m->text == std::string("ack ") + kValue) {
      suite::record("acked", kValue);
      break;
    }
  }
  return 0;
}

bool has_value(const std::string& replica) {
  auto v = suite::read_file(log_file(replica));
  return v && *v == kValue;
}

// An acknowledged write must be on the leader: a while it lives, else the
// replica z elected; with no election (z crashed too), on some live replica, as
// in Molly's kafka.ded.
int check() {
  if (!suite::exists("acked")) {
    std::printf("the write was not acknowledged\n");
    return 0;
  }
  if (suite::alive("a")) {
    std::printf("the write is acknowledged and leader a is alive\n");
    return 0;
  }
  auto until = suite::Clock::now() + std::chrono::seconds(1);
  while (!suite::exists("leader") && suite::alive("z") && suite::Clock::now() < until)
    suite::sleep_ms(5);
  if (auto next = suite::read_file("leader")) {
    if (has_value(*next)) {
      std::printf("leader a crashed; the new leader %s has the acknowledged write\n",
                  next->c_str());
      return 0;
    }
    std::printf(
        "the acknowledged write %s is lost: leader a crashed and the "
        "new leader %s "
        "does not have it\n",
        kValue, next->c_str());
    return 1;
  }
  for (const auto& r : kReplicas)
    if (suite::alive(r) && has_value(r)) {
      std::printf("no leader was elected; live replica %s has the acknowledged write\n", r.c_str());
      return 0;
    }
  std::printf("the acknowledged write %s is lost: no live replica has it\n", kValue);
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  auto args = suite::parse_args(argc, argv);
  if (args.role == "node") return run_node(args.id);
  if (args.role == "client") return client();
  return check();
}
