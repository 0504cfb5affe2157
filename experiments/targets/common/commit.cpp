#include "commit.hpp"

#include <cstdio>

#include "run_dir.hpp"

namespace suite {

std::string decide_file(const std::string& node) {
  return "decide-" + node + ".log";
}
std::string prepared_file(const std::string& node) {
  return "prepared-" + node;
}

int commit_client(const std::vector<std::string>& nodes, const std::string& coordinator) {
  pull_trigger();
  for (;;) {
    bool done = true;
    for (const auto& n : nodes) {
      bool stake = n == coordinator || exists(prepared_file(n));
      done = done && (exists(decide_file(n)) || !stake || !alive(n));
    }
    if (done) return 0;
    sleep_ms(2);
  }
}

int commit_check(const std::vector<std::string>& nodes) {
  std::string first_node, first;
  for (const auto& n : nodes) {
    auto d = read_file(decide_file(n));
    if (!d) continue;
    if (first.empty()) {
      first_node = n, first = *d;
    } else if (*d != first) {
      std::string down;
      for (const auto& m : nodes)
        if (!alive(m)) down += (down.empty() ? " (crashed: " : ", ") + m;
      if (!down.empty()) down += ")";
      std::printf("%s decided %s but %s decided %s%s\n", first_node.c_str(), first.c_str(),
                  n.c_str(), d->c_str(), down.c_str());
      return 1;
    }
  }
  std::printf("%s\n", first.empty() ? "nobody decided" : ("every decision was " + first).c_str());
  return 0;
}

}  // namespace suite
