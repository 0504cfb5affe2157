// ack-deliv (Molly's ack_rb.ded): reliable broadcast with acknowledgements.
// Every node that has the message (a from the start, the others once they
// deliver it) sends it every 10 ms to each other node that has not acknowledged
// it yet; a node acknowledges every copy it receives, to its sender, and
// delivers the first. A lost message or a lost acknowledgement only costs one
// more round.
#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "args.hpp"
#include "broadcast.hpp"
#include "node.hpp"
#include "run_dir.hpp"

namespace {

const std::vector<std::string> kNodes = {"a", "b", "c"};
constexpr auto kRound = std::chrono::milliseconds(10);

int run_node(const std::string& me) {
  suite::Node node(kNodes, me);
  node.open();
  suite::wait_for_trigger();
  node.connect_peers();
  bool delivered = false;
  std::set<std::string> acked;  // the nodes that acknowledged my copy
  if (me == "a") {
    suite::record(suite::deliver_file(me), "hello");
    delivered = true;
  }
  for (;;) {
    auto round_end = suite::Clock::now() + (delivered ? kRound : std::chrono::hours(1));
    if (delivered && !suite::time_ended())
      for (const auto& other : kNodes)
        if (other != me && !acked.contains(other)) node.send(other, "hello");
    while (auto m = node.receive(round_end)) {
      if (m->text == "ack") {
        acked.insert(m->from);
        continue;
      }
      node.send(m->from, "ack");
      if (!delivered) {
        suite::record(suite::deliver_file(me), m->text);
        delivered = true;
        break;  // starts relaying at once
      }
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  auto args = suite::parse_args(argc, argv);
  if (args.role == "node") return run_node(args.id);
  if (args.role == "client") return suite::broadcast_client(kNodes, 300);
  return suite::broadcast_check(kNodes);
}
