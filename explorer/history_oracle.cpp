#include "history_oracle.hpp"

#include <fmt/format.h>

#include <fstream>

#include "fissure/checker/check.hpp"
#include "fissure/checker/history_error.hpp"
#include "fissure/checker/load_history.hpp"
#include "fissure/checker/report.hpp"

namespace fissure {

std::string judge_history(const Spec& spec, const std::filesystem::path& run_dir,
                          Verdict& verdict) {
  if (spec.oracle.checker.empty() || verdict.kind != VerdictKind::Good) return "";
  std::filesystem::path file = expand_vars(spec.oracle.history, run_dir, spec.dir);
  std::error_code ec;
  if (!std::filesystem::exists(file, ec) || std::filesystem::file_size(file, ec) == 0 || ec)
    return "missing";
  checker::History h;
  try {
    h = checker::load_history(file);
  } catch (const checker::HistoryError& e) {
    verdict = Verdict::failure(VerdictClass::Safety,
                               fmt::format("the workload's history is unreadable: {}", e.what()));
    return "unreadable";
  }
  if (h.ops.empty()) return "missing";
  checker::CheckResult r = checker::check_linearizable_register(h);
  std::ofstream txt(run_dir / "history.txt");
  txt << fmt::format("{}: {}", file.string(), to_string(r.verdict));
  switch (r.verdict) {
    case checker::Linearizability::Linearizable:
      txt << fmt::format(" ({} operations on {} key{})\n", r.ops, r.keys, r.keys == 1 ? "" : "s");
      break;
    case checker::Linearizability::Unknown:
      txt << fmt::format(" (budget: {} ran out)\n", r.budget);
      break;
    case checker::Linearizability::NotLinearizable: {
      txt << "\n" << checker::format_counterexample(h, *r.counterexample);
      std::ofstream svg(run_dir / "history.svg");
      svg << checker::timeline_svg(h, *r.counterexample);
      verdict = Verdict::failure(VerdictClass::Safety, r.counterexample->explanation);
      break;
    }
  }
  return std::string(to_string(r.verdict));
}

}  // namespace fissure
