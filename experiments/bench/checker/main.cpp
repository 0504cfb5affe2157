// Times the linearizability checker on the shared Jepsen etcd histories, against Porcupine's
// figure for the same 52 files (about 0.2 s on one core of this kind of machine). Every
// answer is compared with answers.txt, so a fast wrong checker does not pass.
//   checker_bench DIR [REPS]      (run.py pins it to one CPU with taskset -c 0)
// Each repetition parses all files, checks them for the verdict alone (what Porcupine's
// figure is), then again with counterexamples (shrinking included); medians are printed.
#include <fmt/format.h>
#include <time.h>

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

namespace {

double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// This process's CPU time: on a shared VM, wall time also counts other people's work.
double cpu_now() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

std::string answer_of(const fc::CheckResult& r) {
  switch (r.verdict) {
    case fc::Linearizability::Linearizable:
      return "linearizable";
    case fc::Linearizability::NotLinearizable:
      return "not-linearizable";
    case fc::Linearizability::Unknown:
      return "unknown";
  }
  return "?";
}

}  // namespace

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
  std::vector<double> parse_s, verdict_s, full_s, cpu_s;
  std::map<std::string, double> per_file;  // verdict-only time, last repetition
  int wrong = 0;
  for (int rep = 0; rep < reps; ++rep) {
    double cpu0 = cpu_now();
    auto t = Clock::now();
    std::vector<std::pair<std::string, fc::History>> histories;
    for (const auto& [file, answer] : answers)
      histories.emplace_back(file, fc::load_history(dir / file));
    parse_s.push_back(since(t));

    t = Clock::now();
    for (const auto& [file, h] : histories) {
      auto s = Clock::now();
      fc::CheckResult r = fc::check_linearizable_register(h, {}, false);
      per_file[file] = since(s);
      if (rep == 0 && answer_of(r) != answers[file]) {
        fmt::print("WRONG {}: got {}, expected {}\n", file, answer_of(r), answers[file]);
        ++wrong;
      }
    }
    verdict_s.push_back(since(t));
    cpu_s.push_back(cpu_now() - cpu0);

    t = Clock::now();
    for (const auto& [file, h] : histories) {
      fc::CheckResult r = fc::check_linearizable_register(h);
      if (rep == 0 && answer_of(r) != answers[file]) {
        fmt::print("WRONG {} (with counterexample): got {}\n", file, answer_of(r));
        ++wrong;
      }
    }
    full_s.push_back(since(t));
  }
  std::vector<std::pair<double, std::string>> slow;
  for (const auto& [f, s] : per_file) slow.emplace_back(s, f);
  std::sort(slow.rbegin(), slow.rend());
  fmt::print("{} histories, {} answers wrong, {} repetitions (medians)\n", answers.size(), wrong,
             reps);
  fmt::print("slowest to check: {} {:.4f} s, {} {:.4f} s\n", slow[0].second, slow[0].first,
             slow[1].second, slow[1].first);
  fmt::print("parse all:                       {:.4f} s\n", median(parse_s));
  fmt::print("check all, verdicts only:        {:.4f} s\n", median(verdict_s));
  fmt::print("check all, with counterexamples: {:.4f} s\n", median(full_s));
  fmt::print(
      "parse + check (verdicts):        {:.4f} s wall, {:.4f} s CPU   Porcupine: about 0.2 s\n",
      median(parse_s) + median(verdict_s), median(cpu_s));
  return wrong == 0 ? 0 : 1;
}
