// 2pc (Molly's 2pc.ded): two-phase commit without timeouts. The coordinator
// sends PREPARE to a, b and c; each writes its prepare record and votes yes;
// with every vote in, the coordinator decides commit and sends COMMIT. Nobody
// ever gives up waiting, so one crash blocks the others: the coordinator's
// after the votes (the participants wait for a decision forever), or a
// participant's before its vote (the coordinator waits for it forever).
#include <chrono>
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

void coordinator(suite::Node& node) {
  for (const auto& p : kParticipants) node.send(p, "prepare");
  std::set<std::string> yes;
  while (yes.size() < kParticipants.size()) {
    auto m = node.receive(suite::Clock::now() + kForever);
    if (m && m->text == "yes") yes.insert(m->from);
  }
  suite::record(suite::decide_file("coord"), "commit");
  for (const auto& p : kParticipants) node.send(p, "commit");
}

void participant(suite::Node& node) {
  bool decided = false;
  for (;;) {
    auto m = node.receive(suite::Clock::now() + kForever);
    if (!m || decided) continue;
    if (m->text == "prepare") {
      suite::record(suite::prepared_file(node.name()), "yes");
      node.send("coord", "yes");
    } else if (m->text == "commit" || m->text == "abort") {
      suite::record(suite::decide_file(node.name()), m->text);
      decided = true;
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
