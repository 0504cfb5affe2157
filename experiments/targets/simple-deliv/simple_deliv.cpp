// simple-deliv (Molly's simplog.ded): best-effort broadcast. Node a delivers
// its message and sends it once to b and to c; a receiver delivers what it
// gets. Nothing is ever resent, so one lost message leaves a receiver without
// it.
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
    suite::record(suite::deliver_file(me), "hello");
    delivered = true;
    node.send("b", "hello");
    node.send("c", "hello");
  }
  for (;;) {
    auto m = node.receive(suite::Clock::now() + std::chrono::hours(1));
    if (m && !delivered) {
      suite::record(suite::deliver_file(me), m->text);
      delivered = true;
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
