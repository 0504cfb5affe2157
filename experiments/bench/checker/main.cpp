// Times the linearizability checker on the shared Jepsen etcd histories, against Porcupine's
// figure for the same 52 files (about 0.2 s on one core of this kind of machine). Each
// answer is compared with answers.txt, so a fast wrong checker does not pass.
//   checker_bench DIR [REPS]   (run.sh pins it with taskset -c 0)
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "fissure/checker/check.hpp"
#include "fissure/checker/load_history.hpp"

namespace fc = fissure::checker;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  if (argc < 2) {
    fmt::print(stderr, "usage: checker_bench DIR [REPS]\n");
    return 2;
  }
  std::filesystem::path dir = argv[1];
  int reps = argc > 2 ? std::max(1, std::atoi(argv[2])) : 7;
  std::map<std::string, std::string> answers;
  {
    std::ifstream in(dir / "answers.txt");
    for (std::string file, answer; in >> file >> answer;) answers[file] = answer;
  }
  if (answers.empty()) {
    fmt::print(stderr, "{}: no answers.txt\n", dir.string());
    return 2;
  }
  std::vector<std::pair<std::string, fc::History>> histories;
  auto t_parse = Clock::now();
  for (const auto& [file, answer] : answers) histories.emplace_back(file, fc::load_history(dir / file));
  double parse_s = std::chrono::duration<double>(Clock::now() - t_parse).count();

  std::vector<double> totals;
  std::map<std::string, double> slowest;  // file -> its median-run time, last rep
  int wrong = 0;
  for (int rep = 0; rep < reps; ++rep) {
    auto t0 = Clock::now();
    for (const auto& [file, h] : histories) {
      auto s = Clock::now();
      fc::CheckResult r = fc::check_linearizable_register(h);
      slowest[file] = std::chrono::duration<double>(Clock::now() - s).count();
      std::string got = r.verdict == fc::Linearizability::Linearizable      ? "linearizable"
                        : r.verdict == fc::Linearizability::NotLinearizable ? "not-linearizable"
                                                                            : "unknown";
      if (rep == 0 && got != answers[file]) {
        fmt::print("WRONG {}: got {}, expected {}\n", file, got, answers[file]);
        ++wrong;
      }
    }
    totals.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
  }
  std::sort(totals.begin(), totals.end());
  double median = totals[totals.size() / 2];
  std::vector<std::pair<double, std::string>> by_time;
  for (const auto& [f, t] : slowest) by_time.emplace_back(t, f);
  std::sort(by_time.rbegin(), by_time.rend());
  fmt::print("{} histories, {} answers wrong; parsing took {:.4f} s\n", histories.size(), wrong,
             parse_s);
  fmt::print("slowest: ");
  for (std::size_t i = 0; i < std::min<std::size_t>(3, by_time.size()); ++i)
    fmt::print("{} {:.4f} s{}", by_time[i].second, by_time[i].first, i < 2 ? ", " : "\n");
  fmt::print("check (with counterexamples) of all {}: median {:.4f} s of {} reps (min {:.4f}, "
             "max {:.4f}); Porcupine: about 0.2 s\n",
             histories.size(), median, reps, totals.front(), totals.back());
  return wrong == 0 ? 0 : 1;
}
