#include "run_record.hpp"

#include <fmt/format.h>

#include <cereal/archives/json.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>
#include <fstream>
#include <sstream>

#include "fissure/model/pattern.hpp"
#include "history_oracle.hpp"

namespace fissure {

void keep_run(const Spec& spec, const FaultPlan& plan, const std::filesystem::path& dir,
              const RunSettings& s, const RunResult& r, const std::string& history) {
  save_binary(r.trace, (dir / "trace.bin").string());
  if (s.json) {
    std::ofstream os(dir / "trace.json");
    write_json(r.trace, os);
  }
  {
    std::ofstream os(dir / "plan.json");
    write_plan(plan, os);
  }
  RunRecord rec{std::filesystem::absolute(spec.file).string(),
                plan.id(),
                std::string(to_string(r.verdict.kind)),
                r.verdict.message,
                comm_pattern(r.trace).hash(),
                comm_sequence(r.trace).hash(),
                s.cpu,
                s.exact,
                s.isolate,
                {},
                {},
                history,
                std::string(to_string(r.verdict.cls))};
  for (const auto& f : r.trace.fired) rec.fired.push_back(describe(plan.faults[f.fault]));
  for (auto i : r.unreached) rec.unreached.push_back(describe(plan.faults[i]));
  std::ofstream os(dir / "run.json");
  cereal::JSONOutputArchive ar(os);
  ar(cereal::make_nvp("run", rec));
}

RunResult run_and_keep(const Spec& spec, const FaultPlan& plan, const std::filesystem::path& dir,
                       const RunSettings& s) {
  RunResult r = run_traced(
      spec,
      {.run_dir = dir, .cpu = s.cpu, .exact_results = s.exact, .plan = plan, .isolate = s.isolate});
  std::string history = judge_history(spec, dir, r.verdict);
  keep_run(spec, plan, dir, s, r, history);
  return r;
}

std::optional<Trace> load_run_trace(const std::filesystem::path& dir) {
  if (!std::filesystem::exists(dir / "trace.bin") && std::filesystem::exists(dir / "run.json"))
    return std::nullopt;
  return load_binary((dir / "trace.bin").string());
}

Trace require_run_trace(const std::filesystem::path& dir) {
  if (auto t = load_run_trace(dir)) return *t;
  throw RunError(fmt::format(
      "{}: its campaign kept no trace of this run (only the first run, each bug's run, and the "
      "bugs' replays and minimization runs keep theirs); `fissure replay {}` runs its plan "
      "again, and `fissure explore --keep-all` keeps every trace",
      dir.string(), dir.string()));
}

std::optional<Verdict> RunRecord::read_verdict() const {
  auto kind = verdict_kind_from_string(verdict);
  if (!kind) return std::nullopt;
  auto cls = verdict_class_from_string(verdict_class);
  return Verdict{*kind, message, cls ? *cls : legacy_class(*kind)};
}

RunRecord read_run_record(const std::filesystem::path& dir) {
  std::ifstream is(dir / "run.json");
  if (!is)
    throw RunError(fmt::format("{}: no run.json; is this a fissure run directory?", dir.string()));
  RunRecord rec;
  cereal::JSONInputArchive ar(is);
  ar(cereal::make_nvp("run", rec));
  return rec;
}

RunRecord parse_run_record(const std::string& json, const std::string& where) {
  std::istringstream is(json);
  RunRecord rec;
  try {
    cereal::JSONInputArchive ar(is);
    ar(cereal::make_nvp("run", rec));
  } catch (const cereal::Exception& e) {
    throw RunError(fmt::format("{}: run.json: cannot read it ({})", where, e.what()));
  }
  return rec;
}

}  // namespace fissure
