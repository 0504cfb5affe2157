// Lineage-driven fault injection: hypotheses are the smallest sets of faults that cut every
// known way the good outcome was reached, found with Z3; each is run, and a run that still
// reached the outcome teaches another way (its support), until none is left within bounds.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "cut_model.hpp"
#include "fissure/strategies/strategy.hpp"
#include "solver_thread.hpp"

namespace fissure {

class LdfiStrategy : public Strategy {
 public:
  LdfiStrategy(const FaultSpace& space, std::vector<std::string> nodes, std::uint64_t seed,
               std::vector<std::string> workload);
  ~LdfiStrategy() override;
  std::string_view name() const override { return "ldfi"; }
  std::optional<FaultPlan> propose() override;
  void observe(const Observation& o) override;
  // One plan per CPU: each hypothesis's run may teach the solver what to ask next.
  std::size_t batch_size(unsigned jobs) const override { return jobs; }
  std::optional<Certificate> certificate() const override;
  SearchStats stats() const override;

  const CutModel& model() const { return model_; }

 private:
  using Hypothesis = std::vector<std::size_t>;  // unit indices, sorted
  struct Round;
  // The solver for the current batch, built from the model on the solver thread. A round is
  // made fresh after every observation that changed the model or refuted a hypothesis, and a
  // round that found nothing finds nothing until then, so what Z3 returns depends only on
  // what was observed and proposed, never on calls that found nothing: a resumed campaign
  // rebuilds the same strategy (see Strategy::propose).
  void start_round();
  std::optional<Hypothesis> next_hypothesis();
  std::optional<FaultPlan> plan_of(const Hypothesis& h) const;

  FaultSpace space_;
  std::vector<std::string> workload_;
  std::uint64_t seed_;
  CutModel model_;
  std::unique_ptr<Round> round_;  // lives on thread_
  bool dirty_ = true;
  bool round_exhausted_ = false;  // this round's last call found nothing
  std::vector<Hypothesis> refuted_;  // to extend, latest last: the fallback it just revealed
  std::map<std::string, Hypothesis> pending_;  // proposed, not observed yet, by plan id
  std::vector<Hypothesis> proposed_;
  std::set<std::string> ran_;  // plan ids run by anyone, or proposed here
  // Per (size, tier), hypotheses found and not proposed yet, kept across rounds: the latest
  // of them runs first (see kCandidates in ldfi_strategy.cpp).
  std::map<std::pair<std::uint32_t, std::size_t>, std::vector<Hypothesis>> queued_;
  std::deque<Hypothesis> retry_;
  std::set<std::string> retried_;
  std::vector<std::string> untested_;  // planned twice, a fault never fired, point not reached
  bool out_ = false;                   // the last proposal found nothing, none pending
  SearchStats stats_;
  SolverThread thread_;  // last: destroyed first, after the round it holds
};

}  // namespace fissure
