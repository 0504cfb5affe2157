// classic-deliv (Molly's classic_rb.ded): the classic reliable broadcast. Node
// a sends its message once to b and c; a node that receives it for the first
// time relays it once to every other node, then delivers. That tolerates
// crashes (whoever delivered has relayed), but each relay is sent only once:
// losing a's copy to c and b's relay to c leaves c without the message that a
// and b delivered.
#include <chrono>
#include <string>
#include <vector>

#include "args.hpp"
#include "broadcast.hpp"
#include "node.hpp"
#include "run_dir.hpp"

namespace {

const std::vector<std::string> kNodes = {"a", "b", "c"};

int run_node(const std::string& me) {
  suite::Node node(kNodes, me);
  node.open();
  suite::wait_for_trigger();
  node.connect_peers();
  bool delivered = false;
  if (me == "a") {
    node.send("b", "hello");
    node.send("c", "hello");
    suite::record(suite::deliver_file(me), "hello");
    delivered = true;
  }
  for (;;) {
    auto m = node.receive(suite::Clock::now() + std::chrono::hours(1));
    if (!m || delivered) continue;
    for (const auto& other : kNodes)
      if (other != me) node.send(other, m->text);
    suite::record(suite::deliver_file(me), m->text);
    delivered = true;
  }
}

}  // namespace

int main(int argc, char** argv) {
  auto args = suite::parse_args(argc, argv);
  if (args.role == "node") return run_node(args.id);
  if (args.role == "client") return suite::broadcast_client(kNodes, 300);
  return suite::broadcast_check(kNodes);
}
