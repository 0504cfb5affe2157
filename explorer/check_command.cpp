#include "check_command.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>

#include "fissure/checker/check.hpp"
#include "fissure/checker/history_error.hpp"
#include "fissure/checker/load_history.hpp"
#include "fissure/checker/report.hpp"

namespace fissure {

namespace {

namespace fs = std::filesystem;

std::string indented(const std::string& text) {
  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out += "  " + text.substr(start, end - start) + "\n";
    start = end + 1;
  }
  return out;
}

}  // namespace

int check_histories(const std::vector<std::string>& files, long budget_ms,
                    const std::string& svg_dir) {
  checker::Budget budget;
  budget.time = std::chrono::milliseconds(budget_ms);
  if (!svg_dir.empty()) {
    std::error_code ec;
    fs::create_directories(svg_dir, ec);
    if (ec) {
      std::cerr << fmt::format("fissure: --svg {}: cannot create it: {}\n", svg_dir, ec.message());
      return 2;
    }
  }
  bool error = false, bad = false, unknown = false;
  std::set<std::string> svg_names;
  for (const std::string& file : files) {
    checker::History h;
    try {
      h = checker::load_history(file);
    } catch (const checker::HistoryError& e) {
      std::cout << std::flush;
      std::cerr << "fissure: " << e.what() << "\n";
      error = true;
      continue;
    }
    checker::CheckResult r = checker::check_linearizable_register(h, budget);
    switch (r.verdict) {
      case checker::Linearizability::Linearizable:
        std::cout << fmt::format("{}: linearizable\n", file);
        break;
      case checker::Linearizability::Unknown:
        unknown = true;
        std::cout << fmt::format("{}: unknown (budget: {} ran out; try a larger --budget-ms)\n",
                                 file, r.budget);
        break;
      case checker::Linearizability::NotLinearizable: {
        bad = true;
        const checker::Counterexample& c = *r.counterexample;
        std::cout << fmt::format("{}: not linearizable\n", file)
                  << indented(checker::format_counterexample(h, c, 40));
        if (!svg_dir.empty()) {
          std::string stem = fs::path(file).stem().string();
          std::string name = stem + ".svg";
          for (int n = 2; !svg_names.insert(name).second; ++n)
            name = fmt::format("{}-{}.svg", stem, n);
          fs::path out = fs::path(svg_dir) / name;
          std::ofstream os(out);
          os << checker::timeline_svg(h, c);
          if (!os) {
            std::cerr << fmt::format("fissure: cannot write {}\n", out.string());
            error = true;
          } else {
            std::cout << fmt::format("  timeline: {}\n", out.string());
          }
        }
        break;
      }
    }
  }
  if (error) return 2;
  if (bad) return 1;
  return unknown ? 3 : 0;
}

}  // namespace fissure
