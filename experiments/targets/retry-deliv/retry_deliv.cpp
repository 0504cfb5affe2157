// retry-deliv (Molly's rdlog.ded): node a delivers its message and resends it to b and c
// every 10 ms for as long as it lives (up to the run's end of time), with no
// acknowledgements; a receiver delivers the first copy it gets. Lost messages are made good
// by the next round, but only while a is alive: a lost message followed by a's crash leaves
// a receiver without it.
#include <chrono>
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
  if (me == "a") {
    suite::record(suite::deliver_file(me), "hello");
    delivered = true;
  }
  for (;;) {
    auto round_end = suite::Clock::now() + (me == "a" ? kRound : std::chrono::hours(1));
    if (me == "a" && !suite::time_ended()) {
      node.send("b", "hello");
      node.send("c", "hello");
    }
    while (auto m = node.receive(round_end)) {
      if (!delivered) {
        suite::record(suite::deliver_file(me), m->text);
        delivered = true;
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
