// What a run directory keeps about its run: trace.bin, plan.json and run.json (the spec, the
// plan's id, the verdict, the communication pattern, how it was run), enough to replay it.
#pragma once

#include <cereal/cereal.hpp>
#include <filesystem>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "fissure/tracer/faults.hpp"
#include "fissure/tracer/spec.hpp"
#include "fissure/tracer/tracer.hpp"

namespace fissure {

struct RunSettings {
  int cpu = 0;
  bool json = false;
  bool exact = false;
  bool isolate = true;
};

struct RunRecord {
  std::string spec;  // absolute path of target.toml
  std::string plan_id;
  std::string verdict;
  std::string message;
  std::string pattern;   // communication pattern hash (comm_pattern)
  std::string sequence;  // the finer per-node sequence hash (comm_sequence)
  int cpu = 0;
  bool exact = false;
  bool isolate = true;
  std::vector<std::string> fired;
  std::vector<std::string> unreached;
  // What `[oracle] checker` said of the run's history: "" (none, or the run was not good),
  // "missing", "linearizable", "not linearizable", "unknown", "unreadable".
  std::string history;
  // The verdict's class (to_string(VerdictClass)): "" for a good run, else "safety",
  // "liveness" or "crash".
  std::string verdict_class;

  // The verdict as the run had it; a run.json from before classes has its class guessed
  // (legacy_class), and an unknown verdict is nullopt.
  std::optional<Verdict> read_verdict() const;

  template <class A>
  void serialize(A& ar) {
    ar(CEREAL_NVP(spec), CEREAL_NVP(plan_id), CEREAL_NVP(verdict), CEREAL_NVP(message),
       CEREAL_NVP(pattern), CEREAL_NVP(sequence), CEREAL_NVP(cpu), CEREAL_NVP(exact),
       CEREAL_NVP(isolate), CEREAL_NVP(fired), CEREAL_NVP(unreached));
    if constexpr (std::is_base_of_v<cereal::detail::InputArchiveBase, A>) {
      try {  // run.json written before histories were judged has none
        ar(CEREAL_NVP(history));
      } catch (const cereal::Exception&) {
        history.clear();
      }
      try {  // nor before verdicts had classes: read_verdict guesses it then
        ar(cereal::make_nvp("class", verdict_class));
      } catch (const cereal::Exception&) {
        verdict_class = "?";
      }
    } else {
      ar(CEREAL_NVP(history), cereal::make_nvp("class", verdict_class));
    }
  }
};

void keep_run(const Spec& spec, const FaultPlan& plan, const std::filesystem::path& dir,
              const RunSettings& s, const RunResult& r, const std::string& history = "");
// Runs once and keeps everything a later look or replay needs in `dir`. A spec with
// `[oracle] checker` has the run's history judged too (history_oracle.hpp).
RunResult run_and_keep(const Spec& spec, const FaultPlan& plan, const std::filesystem::path& dir,
                       const RunSettings& s);
RunRecord read_run_record(const std::filesystem::path& dir);
// run.json's text, as a worker sends it; `where` names it in an error.
RunRecord parse_run_record(const std::string& json, const std::string& where);
// The run's trace, or nullopt when its campaign summarized the run (kept no trace.bin).
std::optional<Trace> load_run_trace(const std::filesystem::path& dir);
// The run's trace; a summarized run is an error that says how to get one.
Trace require_run_trace(const std::filesystem::path& dir);

}  // namespace fissure
