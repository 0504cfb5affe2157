#include "broadcast.hpp"

#include <chrono>
#include <cstdio>

#include "node.hpp"
#include "run_dir.hpp"

namespace suite {

std::string deliver_file(const std::string& node) {
  return "deliver-" + node + ".log";
}

int broadcast_client(const std::vector<std::string>& nodes, int deadline_ms) {
  pull_trigger();
  auto deadline = Clock::now() + std::chrono::milliseconds(deadline_ms);
  while (Clock::now() < deadline) {
    bool done = true;
    for (const auto& n : nodes) done = done && (exists(deliver_file(n)) || !alive(n));
    if (done) break;
    sleep_ms(2);
  }
  end_time();
  return 0;
}

namespace {

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i)
    out += (i == 0 ? "" : i + 1 == v.size() ? " and " : ", ") + v[i];
  return out;
}

}  // namespace

int broadcast_check(const std::vector<std::string>& nodes) {
  std::vector<std::string> delivered, missing, crashed;
  for (const auto& n : nodes) {
    if (!alive(n))
      crashed.push_back(n);
    else if (exists(deliver_file(n)))
      delivered.push_back(n);
    else
      missing.push_back(n);
  }
  std::string down = crashed.empty() ? "" : " (crashed: " + join(crashed) + ")";
  if (!delivered.empty() && !missing.empty()) {
    std::printf("%s %s never delivered the broadcast that %s delivered%s\n",
                missing.size() > 1 ? "nodes" : "node", join(missing).c_str(),
                join(delivered).c_str(), down.c_str());
    return 1;
  }
  std::printf("%s%s\n", delivered.empty() ? "no live node delivered" : "every live node delivered",
              down.c_str());
  return 0;
}

}  // namespace suite
