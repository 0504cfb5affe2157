// 2pc-ctp (Molly's 2pc_ctp.ded over 2pc_timeout.ded): two-phase commit with a
// coordinator timeout and the cooperative termination protocol. The coordinator
// aborts when a vote has not come within 50 ms. A participant that voted yes
// and has no decision 100 ms later asks the other participants once: one that
// knows the decision tells it; one that never got PREPARE aborts on the spot
// and says abort; one that voted yes too is just as uncertain and says nothing.
// So a coordinator that crashes after collecting every vote and before sending
// its decision still blocks everyone.
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
constexpr auto kVoteTimeout = std::chrono::milliseconds(50);
constexpr auto kDecisionTimeout = std::chrono::milliseconds(100);

void coordinator(suite::Node& node) {
  for (const auto& p : kParticipants) node.send(p, "prepare");
  std::set<std::string> yes;
  bool no = false;
  auto deadline = suite::Clock::now() + kVoteTimeout;
  while (yes.size() < kParticipants.size() && !no) {
    auto m = node.receive(deadline);
    if (!m) break;
    if (m->text == "yes") yes.insert(m->from);
    if (m->text == "no") no = true;
  }
  std::string decision = yes.size() == kParticipants.size() ? "commit" : "abort";
  suite::record(suite::decide_file("coord"), decision);
  for (const auto& p : kParticipants) node.send(p, decision);
}

void participant(suite::Node& node) {
  const std::string me = node.name();
  bool prepared = false, asked = false;
  std::optional<std::string> decision;
  auto decide = [&](const std::string& d) {
    if (decision) return;
    decision = d;
    suite::record(suite::decide_file(me), d);
  };
  auto timer = suite::Clock::time_point::max();
  for (;;) {
    auto m = node.receive(std::min(timer, suite::Clock::now() + kForever));
    if (!m) {
      if (prepared && !decision && !asked && suite::Clock::now() >= timer) {
        for (const auto& p : kParticipants)
          if (p != me) node.send(p, "decision?");
        asked = true;
        timer = suite::Clock::time_point::max();
      }
      continue;
    }
    if (m->text == "prepare") {
      if (decision) {  // aborted already, on a peer's request
        node.send("coord", "no");
        continue;
      }
      prepared = true;
      suite::record(suite::prepared_file(me), "yes");
      node.send("coord", "yes");
      timer = suite::Clock::now() + kDecisionTimeout;
    } else if (m->text == "commit" || m->text == "abort") {
      decide(m->text);
    } else if (m->text == "decision?") {
      if (decision) {
        node.send(m->from, *decision);
      } else if (!prepared) {
        decide("abort");
        node.send(m->from, "abort");
      }  // else uncertain too: nothing to say
    }
  }
}

int run_node(const std::string& me) {
  suite::Node node(kNodes, me);
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
