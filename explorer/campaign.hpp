// A campaign: fault-free baseline runs, then the strategy's plans, several runs at once, each
// judged by the target's oracle; failures grouped by symptom and replayed for a
// reproduction rate; everything written under the campaign directory.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "fissure/strategies/strategy.hpp"
#include "fissure/tracer/faults.hpp"
#include "fissure/tracer/spec.hpp"
#include "fissure/tracer/verdict.hpp"

namespace fissure {

class RunExecutor;

struct CampaignOptions {
  std::string strategy = kDefaultStrategy;
  std::uint64_t runs =
      50;  // every run counts: baseline, exploration, replays (resume: 0 keeps the budget)
  unsigned jobs = 1;  // runs at once, each pinned to its own CPU
  std::uint64_t seed = 1;
  unsigned baseline = 3;  // fault-free runs first
  unsigned replays = 5;   // per new bug, for its reproduction rate
  bool isolate = true;    // each run in network and PID namespaces of its own
  // Keep every run's whole trace. Otherwise only the first run, each bug's run, and the bugs'
  // replays and minimization runs keep theirs; the others keep their observation (points and
  // signature), plan, record and the nodes' output.
  bool keep_all = false;
  // Stop once the campaign has an answer: after the batch that showed the first failure
  // (before minimizing it), or when the strategy certified its space (resumable). For
  // measuring runs to a first counterexample, or to a certificate.
  bool until_answer = false;
  // --plan: plans to run first, after the baseline and before the strategy's, each once (a
  // resumed campaign runs those its journal does not hold yet). Their runs feed the strategy
  // like any other; journal and report say they were given ("plan").
  std::vector<FaultPlan> plans;
  std::filesystem::path dir;
  bool resume = false;  // go on with the campaign in `dir` (its checkpoint's settings)
  std::optional<std::chrono::microseconds> time;     // wall-clock budget of this invocation
  std::function<void(const std::string&)> progress;  // after every batch
  std::function<bool()> stop_requested;              // checked between batches (Ctrl-C)
  // Where the runs are made; none: on this machine, `jobs` at a time. Another executor's
  // slots set the batches' width instead of `jobs`.
  RunExecutor* executor = nullptr;
};

struct BugReport {
  std::string symptom;  // the bucket key (symptom_key): never shown, numbers are blanked
  std::string verdict;
  std::string message;
  FaultPlan plan;
  std::string first_run;   // run directory (of the minimized plan, once minimized)
  bool minimized = false;  // no single fault of the plan can go with the symptom staying
  unsigned replays = 0, reproduced = 0;
  std::string found_by;        // the search that proposed the plan that showed it first
  std::uint64_t found_at = 0;  // that run's number in the campaign (from 1)
  VerdictClass cls = VerdictClass::None;
  std::string title;  // symptom_title of the first run's class and message: what people read
  // Seen, then never again in its replays: shown apart from the others, with its rate.
  bool flaky() const { return replays > 0 && reproduced == 0; }
};

// What a lineage-driven search proved when it ran out of hypotheses (Strategy::certificate),
// and after how many runs.
struct CertifiedBounds {
  Certificate bounds;
  std::uint64_t at_run = 0;  // runs in the campaign when it was certified, baseline included
};

struct CampaignResult {
  std::uint64_t runs = 0;
  std::uint64_t unique_signatures = 0;
  bool exhausted = false;
  bool stopped = false;  // asked to stop before the budget was spent; resumable
  std::vector<BugReport> bugs;
  std::optional<CertifiedBounds> certified;
  // Counted as Molly counts: one fault-free run plus the runs with faults up to and including
  // the first that failed; nullopt when none failed. The other baseline runs are `baseline`-1.
  std::optional<std::uint64_t> runs_to_first_bug;
  unsigned baseline = 0;
  std::string strategy;
  SearchStats search;
  double seconds = 0;  // wall time of this invocation
};

// Throws SpecError/RunError for a spec that cannot be explored (e.g. its oracle fails
// without faults).
CampaignResult run_campaign(const Spec& spec, const CampaignOptions& options);

// The spec a campaign directory was made for (from its checkpoint).
std::filesystem::path campaign_spec(const std::filesystem::path& dir);

// summary.json
void write_summary(const CampaignResult& r, const std::filesystem::path& file);

}  // namespace fissure
