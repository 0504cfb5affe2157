#include "ldfi_strategy.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <z3++.h>

#include <algorithm>
#include <chrono>
#include <optional>

#include "ldfi_formula.hpp"

namespace fissure {

namespace {

using Lineage = CutModel::Lineage;
using Scope = CutModel::Scope;

// The order hypotheses of one size are tried in. Precise lineage before sound (its premises
// are what the outcome was seen to need); within each, omissions first, then crashes of other
// nodes than the outcome's own, then any crash. A crash of the node whose outcome it is
// usually takes its obligation with it (an oracle judges the nodes that stayed up), while an
// omission leaves both ends alive to disagree.
constexpr std::array<std::pair<Lineage, Scope>, 6> kTiers{{
    {Lineage::Precise, Scope::Omission},
    {Lineage::Precise, Scope::NotOwnNode},
    {Lineage::Precise, Scope::All},
    {Lineage::Sound, Scope::Omission},
    {Lineage::Sound, Scope::NotOwnNode},
    {Lineage::Sound, Scope::All},
}};

// Hypotheses of one size and tier are equally minimal; which runs first is the solver's
// whim unless chosen. Faults late in a protocol, after some nodes have moved and before the
// others are told, are where protocols break (a coordinator that dies between its votes and
// its decision blocks 2pc); a fault before any progress mostly ends in a clean abort. So of
// up to this many found, the latest runs first. On 2pc, the first hypothesis crashed the
// coordinator before its prepares were out (good) in 5 of 5 seeds without this. Omissions
// alone go the other way, earliest first: what an omission teaches is the fallback, and
// the earlier it comes the more of the run is left to show it (a retry) and to grow the
// next hypothesis from. On retry-deliv, a's later drop left no crash to add that did not
// also cut a's own delivery, and the search started over (4 runs against Molly's 3).
constexpr std::size_t kCandidates = 8;

void debug(const char* what, std::chrono::steady_clock::time_point since) {
  if (!ldfi_debugging()) return;
  auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - since);
  fmt::print(stderr, "fissure ldfi: {} {:.1f} ms\n", what, ms.count());
}

}  // namespace

// The formulas of one batch (see LdfiFormula), one per lineage, each made when a tier of its
// lineage is first asked for: most batches never reach the sound tiers. Every hypothesis
// proposed and still standing is blocked in both (with its supersets: the formula is
// monotone, so they are no minimal hypothesis), and so is every model a check returned.
struct LdfiStrategy::Round {
  Round(const CutModel& m, std::uint32_t max, unsigned seed) : model(m), max(max), seed(seed) {}
  const CutModel& model;
  const std::uint32_t max;
  const unsigned seed;
  z3::context ctx;
  std::set<std::size_t> sticky;  // units of hypotheses proposed: their classes' representatives
  std::vector<Hypothesis> blocked;
  std::array<std::unique_ptr<LdfiFormula>, 2> formulas;  // by Lineage

  LdfiFormula& formula(Lineage l) {
    auto& f = formulas[static_cast<std::size_t>(l)];
    if (!f) {
      auto t0 = std::chrono::steady_clock::now();
      f = std::make_unique<LdfiFormula>(ctx, model, l, max, sticky, seed);
      for (const auto& h : blocked) f->block(h);
      debug("formula", t0);
    }
    return *f;
  }
  void block(const Hypothesis& h) {
    blocked.push_back(h);
    for (auto& f : formulas)
      if (f) f->block(h);
  }
};

LdfiStrategy::LdfiStrategy(const FaultSpace& space, std::vector<std::string> nodes,
                           std::uint64_t seed, std::vector<std::string> workload)
    : space_(space),
      workload_(workload),
      seed_(seed),
      model_(space, std::move(nodes), std::move(workload)) {}

LdfiStrategy::~LdfiStrategy() {
  thread_.run([&] { round_.reset(); });
}

void LdfiStrategy::start_round() {
  round_.reset();
  round_ = std::make_unique<Round>(model_, space_.max, static_cast<unsigned>(seed_ & 0xffffffffu));
  Round& r = *round_;
  if (ldfi_debugging())
    for (const auto& [key, o] : model_.outcomes())
      for (const auto& sup : o.precise) {
        std::vector<std::string> names;
        for (auto pt : sup) names.push_back(to_string(model_.point(pt)));
        fmt::print(stderr, "fissure ldfi: {} ({}) needs {}\n", key, o.node, fmt::join(names, "; "));
      }
  for (const auto& h : proposed_) r.sticky.insert(h.begin(), h.end());
  // Hypotheses found in an earlier round and not proposed yet stay candidates while they still
  // cut what their tier asks (supports only grow, so a subset that did not cut does not
  // either: a minimal one stays minimal) and nobody ran them; blocked, so that the solver
  // finds others. Finding all kCandidates again each round made four checks of five on
  // redis-replication, whose rounds follow every observation.
  for (auto& [key, q] : queued_) {
    const auto [lineage, scope] = kTiers[key.second];
    std::erase_if(q, [&](const Hypothesis& h) {
      return ran_.count(plan_of(h)->id()) != 0 || !model_.breaks(h, lineage, scope);
    });
    for (const auto& h : q) r.block(h);
  }
  for (const auto& h : proposed_) {
    bool pending = std::any_of(pending_.begin(), pending_.end(),
                               [&](const auto& kv) { return kv.second == h; });
    if (pending || model_.breaks(h, Lineage::Sound, Scope::All)) r.block(h);
  }
}

std::optional<FaultPlan> LdfiStrategy::plan_of(const Hypothesis& h) const {
  std::vector<const FaultPlan*> units;
  for (std::size_t u : h) units.push_back(&model_.universe().units()[u]);
  auto plan = combine(units);
  if (plan) plan = plan->canonical();
  return plan;
}

std::optional<LdfiStrategy::Hypothesis> LdfiStrategy::next_hypothesis() {
  Round& r = *round_;
  auto find = [&](LdfiFormula& f,
                  const std::vector<z3::expr>& assume) -> std::optional<Hypothesis> {
    while (true) {
      auto t0 = std::chrono::steady_clock::now();
      auto h = f.check(assume);
      debug(h ? "check: sat" : "check: unsat", t0);
      // No fault cuts nothing: a model without one says the goal holds vacuously, which the
      // formula does not allow; blocking it would block everything.
      if (!h || h->empty()) break;
      r.block(*h);
      auto t1 = std::chrono::steady_clock::now();
      bool is_minimal = model_.minimal(*h);
      debug("minimal", t1);
      if (!is_minimal) continue;
      auto plan = plan_of(*h);
      if (!plan || ran_.count(plan->id())) continue;
      return h;
    }
    return std::nullopt;
  };
  // First, the fallback a refuted hypothesis just revealed: keep its faults and cut the new
  // way too (Molly's seed: the next hypothesis grows from the last one run).
  while (!refuted_.empty()) {
    const Hypothesis base = refuted_.back();
    for (std::uint32_t k = static_cast<std::uint32_t>(base.size()) + 1; k <= space_.max; ++k)
      for (std::size_t t = 0; t < kTiers.size(); ++t) {
        LdfiFormula& f = r.formula(kTiers[t].first);
        std::vector<z3::expr> assume{f.goal(kTiers[t].second, t)};
        for (std::size_t u : base)
          if (auto v = f.unit(u)) assume.push_back(*v);
        assume.push_back(f.at_most_k(k));
        if (auto h = find(f, assume)) return h;
      }
    refuted_.pop_back();
  }
  // Of up to kCandidates hypotheses of one size and tier, the one whose faults land latest in
  // their nodes' runs (the sum of their relative positions), or earliest for omissions alone,
  // ties in the order found.
  auto latest = [&](LdfiFormula& f, const std::vector<z3::expr>& assume,
                    std::pair<std::uint32_t, std::size_t> key) -> std::optional<Hypothesis> {
    auto& q = queued_[key];
    std::erase_if(q, [&](const Hypothesis& h) { return ran_.count(plan_of(h)->id()) != 0; });
    while (q.size() < kCandidates)
      if (auto h = find(f, assume))
        q.push_back(*h);
      else
        break;
    if (q.empty()) return std::nullopt;
    auto lateness = [&](const Hypothesis& h) {
      const bool omissions = std::all_of(h.begin(), h.end(), [&](std::size_t u) {
        return model_.info(u).cut == CutModel::Cut::AtPoint;
      });
      double sum = 0;
      for (std::size_t u : h) {
        const std::uint32_t pt = model_.info(u).point;
        sum += static_cast<double>(model_.position(pt) + 1) /
               static_cast<double>(model_.order().at(model_.point(pt).node).size());
      }
      return omissions ? -sum : sum;
    };
    auto best = std::max_element(q.begin(), q.end(), [&](const auto& a, const auto& b) {
      return lateness(a) < lateness(b);  // the first of equals stays
    });
    Hypothesis h = *best;
    q.erase(best);
    return h;
  };
  // Then every minimal hypothesis, smallest first.
  for (std::uint32_t k = 1; k <= space_.max; ++k)
    for (std::size_t t = 0; t < kTiers.size(); ++t) {
      LdfiFormula& f = r.formula(kTiers[t].first);
      auto t0 = std::chrono::steady_clock::now();
      z3::expr g = f.goal(kTiers[t].second, t);
      debug("goal", t0);
      t0 = std::chrono::steady_clock::now();
      z3::expr a = f.at_most_k(k);
      debug("at most k", t0);
      if (auto h = latest(f, {g, a}, {k, t})) return h;
    }
  return std::nullopt;
}

std::optional<FaultPlan> LdfiStrategy::propose() {
  if (!retry_.empty()) {
    Hypothesis h = retry_.front();
    retry_.pop_front();
    auto plan = plan_of(h);
    pending_[plan->id()] = h;
    ++stats_.hypotheses;
    out_ = false;
    return plan;
  }
  if (model_.outcomes().empty()) return std::nullopt;  // no good outcome seen: nothing to cut
  // Nothing was found since the last observation, and asking again would find nothing: the
  // round is the same. Hybrid asks before every coverage plan; twelve unsat checks each took
  // most of the solver's time on redis-replication once the search was certified.
  if (!dirty_ && round_exhausted_) {
    out_ = pending_.empty();
    return std::nullopt;
  }
  std::optional<Hypothesis> found;
  const auto refuted = refuted_;
  auto started = std::chrono::steady_clock::now();
  thread_.run([&] {
    auto t0 = std::chrono::steady_clock::now();
    if (dirty_) {
      start_round();
      round_exhausted_ = false;
    }
    debug("round", t0);
    dirty_ = false;
    found = next_hypothesis();
  });
  stats_.solver_seconds +=
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!found) {
    round_exhausted_ = true;
    refuted_ = refuted;  // a call that finds nothing leaves the strategy as it was
    out_ = pending_.empty();
    return std::nullopt;
  }
  auto plan = plan_of(*found);
  proposed_.push_back(*found);
  pending_[plan->id()] = *found;
  ran_.insert(plan->id());
  ++stats_.hypotheses;
  out_ = false;
  return plan;
}

void LdfiStrategy::observe(const Observation& o) {
  const std::size_t generation = model_.generation();
  const std::string id = o.plan.canonical().id();
  ran_.insert(id);
  std::optional<Hypothesis> mine;
  if (auto it = pending_.find(id); it != pending_.end()) {
    mine = it->second;
    pending_.erase(it);
  }
  model_.learn(o);
  bool untried = false;
  for (std::size_t i : o.unreached) {
    const Fault& f = o.plan.faults.at(i);
    if (f.kind == FaultKind::Restart) continue;
    const bool passed = o.points.contains(f.at);
    if (passed) {
      // The run passed the point and the fault still did not fire: it cannot fire there (a
      // drop at a datagram receive), so it is no fault of this model.
      FaultPlan one{{f}};
      if (auto units = model_.universe().decompose(one))
        for (std::size_t u : *units) model_.mark_unfireable(u);
    } else {
      untried = true;
    }
  }
  // A round is made anew only when the model changed or a hypothesis was refuted: otherwise
  // the new one would hold what this one does (its blocked models aside, which block no
  // minimal hypothesis). Coverage's runs on redis-replication mostly teach nothing new, and a
  // round cost 100 ms there. A round that found nothing is never kept past a change, so a
  // resumed campaign, which does not repeat the calls that found nothing, makes the same
  // proposals.
  if (model_.generation() != generation) dirty_ = true;
  if (!mine) return;
  if (untried) {
    auto plan = plan_of(*mine);
    if (retried_.insert(plan->id()).second)
      retry_.push_back(*mine);
    else
      untested_.push_back(plan ? describe(plan->faults.front()) : id);
    return;
  }
  if (o.verdict == VerdictKind::Good && !model_.breaks(*mine, Lineage::Sound, Scope::All)) {
    refuted_.push_back(*mine);
    ++stats_.refuted;
    dirty_ = true;  // the round blocks it, and with it every extension of it
  }
}

std::optional<Certificate> LdfiStrategy::certificate() const {
  if (!out_ || model_.outcomes().empty() || !untested_.empty() || !retry_.empty())
    return std::nullopt;
  Certificate c;
  c.max_faults = space_.max;
  for (FaultKind k : space_.kinds)
    if (k != FaultKind::Delay && k != FaultKind::Restart) c.kinds.push_back(k);
  for (const auto& n : space_.nodes)
    if (std::find(workload_.begin(), workload_.end(), n) == workload_.end()) c.nodes.push_back(n);
  c.points = model_.points();
  c.hypotheses = stats_.hypotheses;
  c.supports = model_.supports();
  for (std::size_t u : model_.unfireable())
    c.unfireable.push_back(describe(model_.universe().units()[u].faults.front()));
  c.assumptions = {
      "faults are the kinds above, at most max_faults per run, each at an injection point some "
      "run passed through; a point seen only under faults is faulted together with them",
      "the good outcome is what the baseline's outcome events show (the workload's last "
      "answers, the spec's outcome_files, and its replica_files as one outcome that stands "
      "while a replica holding its copy is up), and each hypothesis's outcome was judged by the "
      "spec's oracle",
      "the sound lineage takes all threads of a process as one and follows every message, "
      "pipe and fork the tracer sees; memory shared between processes, io_uring and fds passed "
      "over unix sockets are not seen",
      "each hypothesis ran once: a failure that needs other timing (a delay, a race) is "
      "outside these bounds",
      "faults before the workload's first event are outside these bounds",
      "a failure that leaves every outcome reached and breaks the oracle through state no "
      "outcome names (a write acknowledged, then lost with the node that held it) is found "
      "only where the spec's outcome_files or replica_files name that state",
  };
  return c;
}

SearchStats LdfiStrategy::stats() const {
  SearchStats s = stats_;
  s.supports = model_.supports();
  return s;
}

std::unique_ptr<Strategy> make_ldfi_strategy(const FaultSpace& space,
                                             std::vector<std::string> node_names,
                                             std::uint64_t seed,
                                             std::vector<std::string> workload) {
  return std::make_unique<LdfiStrategy>(space, std::move(node_names), seed, std::move(workload));
}

}  // namespace fissure
