#include "campaign.hpp"

#include <fmt/format.h>

#include <array>
#include <cereal/archives/binary.hpp>
#include <cereal/archives/json.hpp>
#include <cereal/types/array.hpp>
#include <cereal/types/set.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/utility.hpp>
#include <cereal/types/vector.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <thread>
#include <type_traits>

#include "campaign_journal.hpp"
#include "fissure/model/outcome_lineage.hpp"
#include "fissure/model/pattern.hpp"
#include "fissure/strategies/strategy.hpp"
#include "fissure/tracer/tracer.hpp"
#include "job.hpp"
#include "local_executor.hpp"
#include "observation_store.hpp"
#include "run_record.hpp"
#include "symptom.hpp"

namespace fissure {

namespace {

std::string plan_json(const FaultPlan& p) {
  std::ostringstream os;
  write_plan(p, os);
  return os.str();
}

FaultPlan plan_from_json(const std::string& text) {
  std::istringstream is(text);
  return read_plan(is);
}

// A run of this plan that a killed campaign completed after its last checkpoint: the resumed
// campaign proposes the same plan into the same directory, and takes the run as it is.
bool take_completed(Job& j) {
  if (!std::filesystem::exists(j.dir / kObservationFile)) return false;
  RunRecord rec = read_run_record(j.dir);
  auto verdict = rec.read_verdict();
  if (rec.plan_id != j.plan.id() || !verdict) return false;
  j.result.verdict = *verdict;
  j.seen = load_observation(j.plan, j.dir);
  j.taken = true;
  return true;
}

// Runs minimize() makes of a bug first shown by `plan`, as few as it can: one per fault it
// tries to drop (a plan of more than one fault, restarts going with their crashes), and the
// bisection of each delay down to a tenth of it (or 10 ms).
std::size_t minimization_runs(const FaultPlan& plan) {
  std::size_t faults = 0, runs = 0;
  for (const Fault& f : plan.faults) {
    if (f.kind == FaultKind::Restart) continue;
    ++faults;
    if (f.kind != FaultKind::Delay) continue;
    for (std::uint32_t width = f.delay_ms; width > std::max<std::uint32_t>(10, f.delay_ms / 10);
         width /= 2)
      ++runs;
  }
  return runs + (faults > 1 ? faults : 0);
}

// Who proposed a run of --plan's.
const std::string kGivenProposer = "plan";

class Campaign {
 public:
  Campaign(const Spec& spec, CampaignOptions opt) : spec_(spec), opt_(std::move(opt)) {
    // Run directories are kept by absolute path: resume and report work from anywhere.
    opt_.dir = std::filesystem::absolute(opt_.dir);
    for (const auto& n : spec.nodes) {
      nodes_.push_back(n.name);
      if (n.workload) workload_.push_back(n.name);
    }
  }

  CampaignResult run(bool resume) {
    if (resume) {
      restore();
    } else {
      state_ = {std::filesystem::absolute(spec_.file).string(),
                opt_.strategy,
                opt_.seed,
                opt_.runs,
                1,
                opt_.jobs,
                opt_.baseline,
                opt_.replays,
                opt_.isolate,
                opt_.keep_all,
                {},
                {}};
      strategy_ = make_strategy(state_.strategy, spec_.faults, nodes_, state_.seed, workload_);
    }
    if (opt_.executor) {
      executor_ = opt_.executor;
      state_.jobs = executor_->slots();  // batches as wide as this invocation's slots
    } else {
      local_ = std::make_unique<LocalExecutor>(spec_, state_.jobs);
      executor_ = local_.get();
    }
    for (const FaultPlan& p : opt_.plans) {
      const std::string id = p.canonical().id();
      const bool ran = std::any_of(given_ran_.begin(), given_ran_.end(),
                                   [&](const std::string& r) { return r == id; });
      if (!ran) given_.push_back(p);
    }
    std::filesystem::create_directories(opt_.dir);
    CampaignJournal::write_snapshot(state_, opt_.dir);
    journal_ = std::make_unique<CampaignJournal>(opt_.dir, state_);
    baseline();  // a resumed campaign finishes its baseline first
    minimize_pending();
    explore();
    CampaignJournal::write_snapshot(state_, opt_.dir);
    CampaignResult out;
    out.runs = state_.journal.size();
    out.unique_signatures = signatures_.size();
    out.exhausted = exhausted_;
    out.stopped = stopped_;
    for (const auto& b : state_.bugs)
      out.bugs.push_back({b.symptom, b.verdict, b.message, plan_from_json(b.plan), b.first_run,
                          b.minimized, b.replays, b.reproduced, b.found_by, b.found_at, b.cls(),
                          symptom_title(b.cls(), b.message)});
    if (auto c = strategy_->certificate(); c && state_.certified_at != 0 && state_.bugs.empty())
      out.certified = CertifiedBounds{*c, state_.certified_at};
    for (const auto& e : state_.journal)
      if (auto kind = verdict_kind_from_string(e.verdict);
          e.index >= state_.baseline && (kind == VerdictKind::Bug || kind == VerdictKind::Hang)) {
        out.runs_to_first_bug = 1 + (e.index - state_.baseline + 1);
        break;
      }
    out.baseline = state_.baseline;
    out.strategy = state_.strategy;
    out.search = strategy_->stats();
    out.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    return out;
  }

 private:
  std::filesystem::path next_dir(std::size_t offset = 0) const {
    return opt_.dir / "runs" / fmt::format("{:05}", state_.journal.size() + offset);
  }
  bool budget_left(std::size_t more = 1) const {
    return state_.journal.size() + more <= state_.runs_budget;
  }

  // Runs a batch, --jobs runs at a time, each in namespaces of its own; then journals it:
  // its first `proposed` runs as the strategy's batch `batch`, the others as batch 0. The
  // caller saves the checkpoint once it has taken in the batch's results.
  void run_batch(std::vector<Job>& jobs, std::uint64_t batch,
                 std::size_t proposed = std::numeric_limits<std::size_t>::max()) {
    start_batch(jobs);
    finish_batch(jobs, batch, proposed);
  }

  // Runs a killed campaign completed are taken as they are; the executor makes the others.
  void start_batch(std::vector<Job>& jobs) {
    pending_.clear();
    pending_of_.clear();
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      if (take_completed(jobs[i])) continue;
      pending_of_.push_back(i);
      pending_.push_back(std::move(jobs[i]));
    }
    if (!pending_.empty()) executor_->start(pending_, expected_keys_, opt_.isolate);
  }

  // `observed`: runs the strategy had been told of when it proposed the batch, if it was
  // proposed while the batch before it ran.
  void finish_batch(std::vector<Job>& jobs, std::uint64_t batch, std::size_t proposed,
                    std::uint64_t observed = JournalEntry::kBatchStart) {
    // Each run is journaled and told to the strategy as soon as it and the runs before it are
    // in, while the executor takes later ones in. A run that failed to run ends the campaign
    // (the journal is not committed: a resumed campaign makes the batch again).
    std::size_t next = 0;
    auto take_in_up_to = [&](std::size_t end) {
      for (; next < end; ++next) {
        const std::size_t i = next;
        const Job& j = jobs[i];
        if (!j.error.empty()) throw RunError(fmt::format("run {}: {}", j.dir.string(), j.error));
        ran_ += !j.taken;
        state_.journal.push_back({state_.journal.size(), i < proposed ? batch : 0,
                                  j.dir.string(), std::string(to_string(j.seen.verdict)),
                                  i < proposed ? j.proposer : "",
                                  i < proposed ? observed : JournalEntry::kBatchStart});
        observe(j.seen);
        if (opt_.keep_all || state_.journal.size() == 1) executor_->keep_trace(j.dir);
      }
    };
    if (!pending_.empty())
      executor_->finish([&](std::size_t k) {
        jobs[pending_of_[k]] = std::move(pending_[k]);
        take_in_up_to(pending_of_[k] + 1);
      });
    pending_.clear();
    pending_of_.clear();
    take_in_up_to(jobs.size());
  }

  void observe(const Observation& o) {
    signatures_.insert(o.signature);
    // The outcomes of the campaign's first run are the good outcome's: a later run that does
    // not reach one of them says so.
    if (expected_keys_.empty() && o.plan.faults.empty() && o.verdict == VerdictKind::Good)
      for (const auto& l : o.outcomes) expected_keys_.push_back(l.key);
    strategy_->observe(o);
  }

  // Runs that showed nothing new keep their plan, record, observation and the nodes' output,
  // not their traces: a trace is what grows with a run, and `fissure replay` makes it again.
  // Kept whole: the campaign's first run (its fault-free reference), each bug's run (the one
  // its report draws), and the bugs' replays and minimization runs, which are not passed here.
  void summarize_uninteresting(const std::vector<Job>& jobs) const {
    if (opt_.keep_all) return;
    for (const Job& j : jobs) {
      bool first = !state_.journal.empty() && state_.journal.front().dir == j.dir.string();
      bool a_bugs = std::any_of(state_.bugs.begin(), state_.bugs.end(),
                                [&](const StoredBug& b) { return b.first_run == j.dir.string(); });
      if (first || a_bugs) continue;
      executor_->drop_trace(j.dir);
    }
  }

  void report(const std::string& what) {
    if (!opt_.progress) return;
    double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    double rate = secs > 0 ? static_cast<double>(ran_) / secs : 0.0;
    double left = static_cast<double>(state_.runs_budget - state_.journal.size());
    opt_.progress(
        fmt::format("{}: runs {}/{}, {:.2f} runs/s, {} unique signatures, {} bugs, ETA {}", what,
                    state_.journal.size(), state_.runs_budget, rate, signatures_.size(),
                    state_.bugs.size(), rate > 0 ? fmt::format("{:.0f}s", left / rate) : "?"));
  }

  Job job(FaultPlan plan, std::size_t offset) {
    return {std::move(plan), next_dir(offset), {}, {}, {}, false, {}};
  }

  // An oracle that fails without faults is a broken spec, not a bug.
  void baseline() {
    while (state_.journal.size() < state_.baseline && budget_left()) {
      std::vector<Job> batch;
      while (batch.size() < state_.jobs && state_.journal.size() + batch.size() < state_.baseline &&
             budget_left(batch.size() + 1))
        batch.push_back(job({}, batch.size()));
      run_batch(batch, 0);
      // Checked before the checkpoint: a resumed campaign redoes a failed baseline run, and
      // fails the same way, rather than exploring a broken spec.
      for (const Job& j : batch)
        if (j.result.verdict.kind != VerdictKind::Good)
          throw SpecError(
              fmt::format("{}: the run fails without faults ({}: {}); fix the spec or the target "
                          "first (run kept in {})",
                          spec_.file.string(), to_string(j.result.verdict.kind),
                          j.result.verdict.message, j.dir.string()));
      summarize_uninteresting(batch);
      journal_->commit(state_);
    }
    report("baseline");
  }

  // A failure with a symptom not seen before is a new bug, first shown by this run.
  void note_if_new_bug(const Job& j) {
    const Verdict& v = j.result.verdict;
    if (v.kind != VerdictKind::Bug && v.kind != VerdictKind::Hang) return;
    std::string symptom = symptom_key(v);
    if (std::any_of(state_.bugs.begin(), state_.bugs.end(),
                    [&](const StoredBug& b) { return b.symptom == symptom; }))
      return;
    StoredBug& bug = state_.bugs.emplace_back();
    bug.symptom = symptom;
    bug.verdict = to_string(v.kind);
    bug.message = v.message;
    bug.verdict_class = to_string(v.cls);
    bug.plan = plan_json(j.plan);
    bug.first_run = j.dir.string();
    executor_->keep_trace(j.dir);
    for (const auto& e : state_.journal)
      if (e.dir == j.dir.string()) {
        bug.found_at = e.index + 1;
        bug.found_by = e.proposer.empty()
                           ? (e.batch == 0 && e.index < state_.baseline ? "baseline"
                                                                        : "replay or minimization")
                           : e.proposer;
      }
  }

  // Ctrl-C, or the time budget is spent: the campaign stops between runs; --resume goes on.
  bool must_stop() {
    stopped_ = stopped_ || (opt_.stop_requested && opt_.stop_requested()) ||
               (opt_.time && std::chrono::steady_clock::now() - started_ >= *opt_.time);
    return stopped_;
  }

  // Up to `wanted` of the strategy's plans, within what the batch and the budget leave once
  // `in_flight` runs are made.
  std::vector<Job> propose_batch(std::size_t replays, std::size_t in_flight) {
    std::vector<Job> batch;
    const std::size_t wanted = strategy_->batch_size(state_.jobs);
    while (batch.size() < wanted && batch.size() + replays < 4 * state_.jobs &&
           budget_left(in_flight + batch.size() + replays + 1)) {
      if (!given_.empty()) {
        batch.push_back({given_.front(), {}, {}, {}, {}, false, kGivenProposer});
        given_.erase(given_.begin());
        continue;
      }
      auto plan = strategy_->propose();
      if (!plan) break;
      batch.push_back(
          {std::move(*plan), {}, {}, {}, {}, false, std::string(strategy_->proposer())});
    }
    note_certificate();
    return batch;
  }

  // Replays of the bugs found so far, at most `room`, within the budget.
  std::vector<std::size_t> replays_due(std::size_t room) const {
    std::vector<std::size_t> replay_of;  // the bug each replay is for
    for (std::size_t b = 0; b < state_.bugs.size(); ++b)
      for (unsigned r = state_.bugs[b].replays; r < state_.replays; ++r)
        if (state_.bugs[b].minimized && replay_of.size() < room &&
            budget_left(replay_of.size() + 1))
          replay_of.push_back(b);
    return replay_of;
  }

  // Runs a batch proposed while `batch` runs must leave: the replays owed to the bugs known
  // and not in `batch` (`replays_in` of them are), and what one new bug shown by a plan of
  // `batch` would need: its replays and its minimization (minimization_runs of the largest
  // need among the plans with faults). Else the look-ahead spends the end of the budget, and
  // the bug the last batch showed gets no replay (its rate reads 0/0) nor minimization.
  std::size_t held_back(const std::vector<Job>& batch, std::size_t proposed,
                        std::size_t replays_in) const {
    std::size_t owed = 0;
    for (const auto& b : state_.bugs)
      owed += b.replays < state_.replays ? state_.replays - b.replays : 0;
    owed -= std::min(owed, replays_in);
    std::size_t new_bug = 0;
    for (std::size_t i = 0; i < proposed && i < batch.size(); ++i)
      if (!batch[i].plan.faults.empty())
        new_bug = std::max<std::size_t>(new_bug, state_.replays + minimization_runs(batch[i].plan));
    return owed + new_bug;
  }

  void explore() {
    // Proposed while the batch before ran, when the executor runs batches elsewhere: the
    // workers do not wait for the solver. `ahead_observed`: what the strategy knew then.
    std::optional<std::vector<Job>> ahead;
    std::uint64_t ahead_observed = 0;
    while (budget_left()) {
      if (must_stop()) break;
      // Four runs per job and batch: a CPU whose run ends early takes the next one instead of
      // waiting for the slowest run of the batch. Replays of the bugs found so far come first
      // and share the batch, so they run alongside the exploration rather than one by one.
      std::vector<std::size_t> replay_of = replays_due(4 * state_.jobs);
      // The strategy's proposals go first in the batch and the journal, so that a resumed
      // campaign finds them together, as they were proposed.
      std::vector<Job> batch;
      std::uint64_t observed = JournalEntry::kBatchStart;
      if (ahead && !ahead->empty()) {
        batch = std::move(*ahead);
        observed = ahead_observed;
        // Bugs found meanwhile took runs of the budget; replays wait for the next batch.
        while (!batch.empty() && !budget_left(batch.size())) batch.pop_back();
        while (!replay_of.empty() && !budget_left(batch.size() + replay_of.size()))
          replay_of.pop_back();
        while (batch.size() + replay_of.size() > 4 * state_.jobs && !replay_of.empty())
          replay_of.pop_back();
      } else {
        // Nothing ahead: the last batch's runs may have opened new ground.
        batch = propose_batch(replay_of.size(), 0);
      }
      ahead.reset();
      if (batch.empty() && replay_of.empty()) {
        exhausted_ = true;
        journal_->commit(state_);
        break;
      }
      const std::size_t proposed = batch.size();
      for (std::size_t b : replay_of)
        batch.push_back({plan_from_json(state_.bugs[b].plan), {}, {}, {}, {}, false, {}});
      for (std::size_t i = 0; i < batch.size(); ++i) batch[i].dir = next_dir(i);
      // Before start_batch, which hands the jobs to the executor.
      const std::size_t held = held_back(batch, proposed, replay_of.size());
      start_batch(batch);
      if (executor_->overlaps() && budget_left(batch.size() + held + 1)) {
        ahead_observed = state_.journal.size();
        ahead = propose_batch(0, batch.size() + held);
      }
      finish_batch(batch, state_.next_batch, proposed, observed);
      if (proposed) ++state_.next_batch;
      for (std::size_t i = proposed; i < batch.size(); ++i) {
        StoredBug& bug = state_.bugs[replay_of[i - proposed]];
        const Verdict& v = batch[i].result.verdict;
        ++bug.replays;
        bug.reproduced += symptom_key(v) == bug.symptom;
      }
      for (const Job& j : batch) note_if_new_bug(j);  // a replay may show another failure
      batch.resize(proposed);
      summarize_uninteresting(batch);
      journal_->commit(state_);
      if (opt_.until_answer && (!state_.bugs.empty() || state_.certified_at != 0)) {
        stopped_ = true;
        break;
      }
      minimize_pending();
      report("explore");
    }
  }

  // A certificate counts from the run at which the strategy ran out of hypotheses; a later
  // run that gives it new ground takes it back until it runs out again.
  void note_certificate() {
    const bool now = strategy_->certificate().has_value();
    if (now && state_.certified_at == 0) state_.certified_at = state_.journal.size();
    if (!now) state_.certified_at = 0;
  }

  // Bugs not minimized yet, in the order found; bugs found meanwhile join the queue.
  void minimize_pending() {
    for (std::size_t b = 0; b < state_.bugs.size(); ++b)
      if (!state_.bugs[b].minimized) minimize(b);
  }

  // One minimization run of bug `b`'s plan made smaller; true when it still shows the bug's
  // symptom, and the bug then takes the plan and the run. Another failure it shows is a bug
  // of its own.
  bool still_shows(std::size_t b, const FaultPlan& smaller) {
    std::vector<Job> attempt{job(smaller, 0)};
    run_batch(attempt, 0);
    const Verdict& v = attempt[0].result.verdict;
    bool same = symptom_key(v) == state_.bugs[b].symptom;
    if (same) {
      state_.bugs[b].plan = plan_json(smaller);
      state_.bugs[b].first_run = attempt[0].dir.string();
      executor_->keep_trace(attempt[0].dir);
    } else {
      note_if_new_bug(attempt[0]);
    }
    return same;
  }

  // A new bug: its plan made 1-minimal (no single fault can go and the symptom stay; a crash's
  // restart goes with it), then its delays shortened, within the run budget. How far it got
  // is in the checkpoint after every run. Its replays come with the next batches.
  void minimize(std::size_t b) {
    FaultPlan plan = plan_from_json(state_.bugs[b].plan);
    while (!state_.bugs[b].one_minimal && plan.faults.size() > 1) {
      const std::size_t i = state_.bugs[b].next_drop;
      if (i >= plan.faults.size()) break;  // none could go
      if (plan.faults[i].kind == FaultKind::Restart) {
        state_.bugs[b].next_drop = i + 1;
        continue;
      }
      if (!budget_left() || must_stop()) return;
      FaultPlan smaller;
      for (std::size_t k = 0; k < plan.faults.size(); ++k) {
        const Fault& f = plan.faults[k];
        bool restart_of_dropped = f.kind == FaultKind::Restart &&
                                  plan.faults[i].kind == FaultKind::Crash &&
                                  f.node == plan.faults[i].at.node;
        if (k != i && !restart_of_dropped) smaller.faults.push_back(f);
      }
      if (still_shows(b, smaller)) {
        plan = smaller;
        state_.bugs[b].next_drop = 0;  // the smaller plan is tried again from its first fault
      } else {
        state_.bugs[b].next_drop = i + 1;
      }
      journal_->commit(state_);
    }
    state_.bugs[b].one_minimal = true;
    journal_->commit(state_);
    if (!shorten_delays(b, plan)) return;
    state_.bugs[b].minimized = true;
    journal_->commit(state_);
  }

  // Each delay made as short as still shows the symptom: a bisection between no delay and
  // the shortest length seen to show it, to within a tenth of it (and 10 ms). A delay of
  // nothing is no fault, so the lower end is taken not to show it. False when the run budget
  // ran out, or the campaign was asked to stop, first.
  bool shorten_delays(std::size_t b, FaultPlan& plan) {
    state_.bugs[b].not_shown.resize(plan.faults.size(), 0);
    for (std::size_t i = 0; i < plan.faults.size(); ++i) {
      if (plan.faults[i].kind != FaultKind::Delay) continue;
      std::uint32_t shows = plan.faults[i].delay_ms;
      while (shows - state_.bugs[b].not_shown[i] > std::max<std::uint32_t>(10, shows / 10)) {
        if (!budget_left() || must_stop()) return false;
        std::uint32_t low = state_.bugs[b].not_shown[i];
        FaultPlan shorter = plan;
        shorter.faults[i].delay_ms = low + (shows - low) / 2;
        if (still_shows(b, shorter)) {
          shows = shorter.faults[i].delay_ms;
          plan = shorter;
        } else {
          state_.bugs[b].not_shown[i] = shorter.faults[i].delay_ms;
        }
        journal_->commit(state_);
      }
    }
    return true;
  }

  // Rebuilds a killed campaign: its settings and journal from the checkpoint, the strategy by
  // replaying the journal through it (proposals must come out the same), observations from
  // the runs' observation.bin. Runs after the checkpoint are taken if complete, else redone.
  void restore() {
    state_ = CampaignJournal::read(opt_.dir);
    if (opt_.runs != 0) state_.runs_budget = opt_.runs;  // an explicit --runs may extend a campaign
    // Runs go on as they began: in namespaces or not; --keep-all may be added on resume.
    opt_.isolate = state_.isolate;
    state_.keep_all = opt_.keep_all = state_.keep_all || opt_.keep_all;
    strategy_ = make_strategy(state_.strategy, spec_.faults, nodes_, state_.seed, workload_);
    // Proposals were made a batch at a time, before any of the batch was observed (and, when
    // proposed ahead, before the batch before it was).
    const auto& journal = state_.journal;
    std::vector<FaultPlan> plans;
    for (const auto& e : journal)
      plans.push_back(load_plan((std::filesystem::path(e.dir) / "plan.json").string(), nodes_));
    std::size_t told = 0;  // runs the rebuilt strategy has been told of
    auto tell_up_to = [&](std::size_t n) {
      for (; told < n && told < journal.size(); ++told)
        observe(load_observation(plans[told], journal[told].dir));
    };
    for (std::size_t i = 0; i < journal.size();) {
      std::size_t end = i + 1;
      while (journal[i].batch != 0 && end < journal.size() &&
             journal[end].batch == journal[i].batch)
        ++end;
      if (journal[i].batch != 0) {
        std::uint64_t seen = journal[i].observed;
        if (seen == JournalEntry::kBatchStart || seen > i) seen = i;
        tell_up_to(static_cast<std::size_t>(seen));
        for (std::size_t k = i; k < end; ++k) {
          if (journal[k].proposer == kGivenProposer) {  // --plan's: no strategy proposed it
            given_ran_.push_back(plans[k].canonical().id());
            continue;
          }
          auto proposed = strategy_->propose();
          if (!proposed || proposed->canonical().id() != plans[k].canonical().id())
            throw RunError(fmt::format(
                "{}: the {} strategy does not propose run {}'s plan again; was the campaign "
                "made by another fissure or with another spec?",
                opt_.dir.string(), state_.strategy, journal[k].index));
        }
      }
      i = end;
    }
    tell_up_to(journal.size());
    report(fmt::format("resumed after {} runs", state_.journal.size()));
  }

  const Spec& spec_;
  CampaignOptions opt_;
  std::vector<std::string> nodes_, workload_;
  std::vector<FaultPlan> given_;        // --plan's plans not run yet
  std::vector<std::string> given_ran_;  // ids of --plan's plans a resumed journal holds
  Checkpoint state_;
  std::unique_ptr<Strategy> strategy_;
  std::unique_ptr<CampaignJournal> journal_;
  std::unique_ptr<LocalExecutor> local_;
  RunExecutor* executor_ = nullptr;
  std::vector<Job> pending_;                // the runs of the batch the executor is making
  std::vector<std::size_t> pending_of_;     // where each is in its batch
  std::vector<std::string> expected_keys_;  // the outcomes of the first fault-free run
  std::set<std::string> signatures_;
  bool exhausted_ = false;
  bool stopped_ = false;
  std::uint64_t ran_ = 0;  // runs made by this process, for its rate
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace

std::filesystem::path campaign_spec(const std::filesystem::path& dir) {
  return CampaignJournal::read(dir).spec;
}

CampaignResult run_campaign(const Spec& spec, const CampaignOptions& options) {
  return Campaign(spec, options).run(options.resume);
}

namespace {

std::vector<std::string> kind_names(const std::vector<FaultKind>& kinds) {
  std::vector<std::string> out;
  for (FaultKind k : kinds) out.emplace_back(to_string(k));
  return out;
}

}  // namespace

// cereal writes no JSON null; runs_to_first_bug is null when nothing failed, and -1 stands for
// it between cereal and the file.
const char* kNoFirstBug = "\"runs_to_first_bug\": -1";
const char* kNullFirstBug = "\"runs_to_first_bug\": null";

CampaignResult read_summary(const std::filesystem::path& file) {
  std::ifstream is(file);
  if (!is)
    throw RunError(
        fmt::format("{}: cannot read it; is this a fissure campaign directory?", file.string()));
  CampaignResult r;
  std::string text((std::istreambuf_iterator<char>(is)), std::istreambuf_iterator<char>());
  if (auto at = text.find(kNullFirstBug); at != std::string::npos)
    text.replace(at, std::strlen(kNullFirstBug), kNoFirstBug);
  std::istringstream in(text);
  try {
    cereal::JSONInputArchive ar(in);
    ar(cereal::make_nvp("strategy", r.strategy), cereal::make_nvp("runs", r.runs),
       cereal::make_nvp("baseline", r.baseline),
       cereal::make_nvp("unique_signatures", r.unique_signatures),
       cereal::make_nvp("exhausted", r.exhausted), cereal::make_nvp("seconds", r.seconds));
    std::int64_t first = -1;
    ar(cereal::make_nvp("runs_to_first_bug", first));
    if (first >= 0) r.runs_to_first_bug = static_cast<std::uint64_t>(first);
    ar.setNextName("search");
    ar.startNode();
    ar(cereal::make_nvp("hypotheses", r.search.hypotheses),
       cereal::make_nvp("refuted", r.search.refuted),
       cereal::make_nvp("supports", r.search.supports),
       cereal::make_nvp("solver_seconds", r.search.solver_seconds));
    ar.finishNode();
    bool certified = false;
    ar.setNextName("certified");
    ar.startNode();
    ar(cereal::make_nvp("certified", certified));
    if (certified) {
      CertifiedBounds c;
      std::vector<std::string> kinds;
      ar(cereal::make_nvp("at_run", c.at_run), cereal::make_nvp("max_faults", c.bounds.max_faults),
         cereal::make_nvp("kinds", kinds), cereal::make_nvp("nodes", c.bounds.nodes),
         cereal::make_nvp("points", c.bounds.points),
         cereal::make_nvp("hypotheses", c.bounds.hypotheses),
         cereal::make_nvp("supports", c.bounds.supports),
         cereal::make_nvp("unfireable", c.bounds.unfireable),
         cereal::make_nvp("assumptions", c.bounds.assumptions));
      for (const auto& k : kinds) c.bounds.kinds.push_back(parse_fault_kind(k));
      r.certified = c;
    }
    ar.finishNode();
    cereal::size_type n = 0;
    ar.setNextName("bugs");
    ar.startNode();
    ar(cereal::make_size_tag(n));
    for (cereal::size_type i = 0; i < n; ++i) {
      BugReport b;
      std::string plan, plan_id, replay;
      ar.startNode();
      ar(cereal::make_nvp("symptom", b.symptom), cereal::make_nvp("verdict", b.verdict),
         cereal::make_nvp("message", b.message), cereal::make_nvp("plan", plan),
         cereal::make_nvp("plan_id", plan_id), cereal::make_nvp("minimized", b.minimized),
         cereal::make_nvp("reproduced", b.reproduced), cereal::make_nvp("replays", b.replays),
         cereal::make_nvp("first_run", b.first_run), cereal::make_nvp("replay", replay),
         cereal::make_nvp("found_by", b.found_by), cereal::make_nvp("found_at", b.found_at));
      std::string cls;
      try {  // a summary from before verdict classes has neither class nor title
        ar(cereal::make_nvp("class", cls), cereal::make_nvp("title", b.title));
      } catch (const cereal::Exception&) {
        cls = "?";
      }
      auto kind = verdict_kind_from_string(b.verdict);
      b.cls =
          verdict_class_from_string(cls).value_or(kind ? legacy_class(*kind) : VerdictClass::None);
      if (b.title.empty()) b.title = symptom_title(b.cls, b.message);
      ar.finishNode();
      b.plan = plan_from_json(plan);
      r.bugs.push_back(std::move(b));
    }
    ar.finishNode();
  } catch (const cereal::Exception& e) {
    throw RunError(fmt::format("{}: cannot read it ({}); was it written by an older fissure?",
                               file.string(), e.what()));
  }
  return r;
}

void write_summary(const CampaignResult& r, const std::filesystem::path& file) {
  auto tmp = file.string() + ".tmp";
  std::ostringstream os;
  {
    cereal::JSONOutputArchive ar(os);
    ar(cereal::make_nvp("strategy", r.strategy), cereal::make_nvp("runs", r.runs),
       cereal::make_nvp("baseline", r.baseline),
       cereal::make_nvp("unique_signatures", r.unique_signatures),
       cereal::make_nvp("exhausted", r.exhausted), cereal::make_nvp("seconds", r.seconds));
    std::int64_t first = r.runs_to_first_bug ? static_cast<std::int64_t>(*r.runs_to_first_bug) : -1;
    ar(cereal::make_nvp("runs_to_first_bug", first));
    ar.setNextName("search");
    ar.startNode();
    ar(cereal::make_nvp("hypotheses", r.search.hypotheses),
       cereal::make_nvp("refuted", r.search.refuted),
       cereal::make_nvp("supports", r.search.supports),
       cereal::make_nvp("solver_seconds", r.search.solver_seconds));
    ar.finishNode();
    ar.setNextName("certified");
    ar.startNode();
    ar(cereal::make_nvp("certified", r.certified.has_value()));
    if (r.certified) {
      const auto& c = *r.certified;
      ar(cereal::make_nvp("at_run", c.at_run), cereal::make_nvp("max_faults", c.bounds.max_faults),
         cereal::make_nvp("kinds", kind_names(c.bounds.kinds)),
         cereal::make_nvp("nodes", c.bounds.nodes), cereal::make_nvp("points", c.bounds.points),
         cereal::make_nvp("hypotheses", c.bounds.hypotheses),
         cereal::make_nvp("supports", c.bounds.supports),
         cereal::make_nvp("unfireable", c.bounds.unfireable),
         cereal::make_nvp("assumptions", c.bounds.assumptions));
    }
    ar.finishNode();
    ar.setNextName("bugs");
    ar.startNode();
    ar.makeArray();
    for (const auto& b : r.bugs) {
      ar.startNode();
      ar(cereal::make_nvp("symptom", b.symptom), cereal::make_nvp("verdict", b.verdict),
         cereal::make_nvp("message", b.message), cereal::make_nvp("plan", plan_json(b.plan)),
         cereal::make_nvp("plan_id", b.plan.id()), cereal::make_nvp("minimized", b.minimized),
         cereal::make_nvp("reproduced", b.reproduced), cereal::make_nvp("replays", b.replays),
         cereal::make_nvp("first_run", b.first_run),
         cereal::make_nvp("replay", fmt::format("fissure replay {}", b.first_run)),
         cereal::make_nvp("found_by", b.found_by), cereal::make_nvp("found_at", b.found_at),
         cereal::make_nvp("class", std::string(to_string(b.cls))),
         cereal::make_nvp("title", b.title), cereal::make_nvp("flaky", b.flaky()));
      ar.finishNode();
    }
    ar.finishNode();
  }
  std::string text = os.str();
  if (auto at = text.find(kNoFirstBug); at != std::string::npos)
    text.replace(at, std::strlen(kNoFirstBug), kNullFirstBug);
  {
    std::ofstream out(tmp);
    out << text;
    if (!out) throw RunError(fmt::format("cannot write {}", tmp));
  }
  std::rename(tmp.c_str(), file.c_str());
}

}  // namespace fissure
