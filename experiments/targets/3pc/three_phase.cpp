// 3pc (Molly's 3pc.ded): three-phase commit. The coordinator sends CANCOMMIT;
// with every yes vote in within 100 ms it sends PRECOMMIT, else it aborts. With
// every PRECOMMIT acknowledged within 100 ms it commits, else it aborts; either
// way it writes its decision and then sends it. A participant that voted and
// hears nothing more for 400 ms aborts; one that acknowledged PRECOMMIT and
// hears nothing more for 400 ms commits.
//
// PRECOMMIT goes to all participants in one sendmmsg: in Molly's synchronous
// rounds a multicast leaves in one step, and a crash between its copies (one
// participant precommitted, the others not, each timing out its own way) would
// be a one-fault bug that Molly's model cannot express. The known bug needs two
// faults: a lost acknowledgement makes the coordinator abort, and its ABORT to
// b is lost (or it crashes before sending it), so b times out precommitted and
// commits.
#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "args.hpp"
#include "commit.hpp"
#include "node.hpp"
#include "run_dir.hpp"

namespace {

const std::vector<std::string> kNodes = {"coord", "a", "b", "c"};
const std::vector<std::string> kParticipants = {"a", "b", "c"};
constexpr auto kForever = std::chrono::hours(1);
constexpr auto kCoordinatorTimeout = std::chrono::milliseconds(100);
constexpr auto kParticipantTimeout = std::chrono::milliseconds(400);

// Waits until every participant has sent `what`, or the timeout.
bool gather(suite::Node& node, const std::string& what) {
  std::set<std::string> got;
  auto deadline = suite::Clock::now() + kCoordinatorTimeout;
  while (got.size() < kParticipants.size()) {
    auto m = node.receive(deadline);
    if (!m) return false;
    if (m->text == what) got.insert(m->from);
  }
  return true;
}

void decide_and_tell(suite::Node& node, const std::string& decision) {
  suite::record(suite::decide_file("coord"), decision);
  for (const auto& p : kParticipants) node.send(p, decision);
}

void coordinator(suite::Node& node) {
  for (const auto& p : kParticipants) node.send(p, "cancommit");
  if (!gather(node, "yes")) return decide_and_tell(node, "abort");
  node.multicast(kParticipants, "precommit");
  decide_and_tell(node, gather(node, "ack") ? "commit" : "abort");
}

void participant(suite::Node& node) {
  const std::string me = node.name();
  enum class State { Idle, Uncertain, Precommitted, Decided } state = State::Idle;
  auto decide = [&](const std::string& d) {
    state = State::Decided;
    suite::record(suite::decide_file(me), d);
  };
  auto timer = suite::Clock::time_point::max();
  for (;;) {
    auto m = node.receive(std::min(timer, suite::Clock::now() + kForever));
    if (state == State::Decided) continue;
    if (!m) {
      if (suite::Clock::now() < timer) continue;
      decide(state == State::Precommitted ? "commit" : "abort");
      continue;
    }
    if (m->text == "cancommit" && state == State::Idle) {
      suite::record(suite::prepared_file(me), "yes");
      node.send("coord", "yes");
      state = State::Uncertain;
      timer = suite::Clock::now() + kParticipantTimeout;
    } else if (m->text == "precommit" && state == State::Uncertain) {
      node.send("coord", "ack");
      state = State::Precommitted;
      timer = suite::Clock::now() + kParticipantTimeout;
    } else if (m->text == "commit" || m->text == "abort") {
      decide(m->text);
    }
  }
}

int run_node(const std::string& me) {
  suite::Node node(kNodes, me, {"coord"});
  node.open();
  suite::wait_for_trigger();
  node.connect_peers();
  if (me == "coord")
    coordinator(node);
  else
    participant(node);
  for (;;) node.receive(suite::Clock::now() + kForever);
}

}  // namespace

int main(int argc, char** argv) {
  auto args = suite::parse_args(argc, argv);
  if (args.role == "node") return run_node(args.id);
  if (args.role == "client") return suite::commit_client(kNodes, "coord");
  return suite::commit_check(kNodes);
}
