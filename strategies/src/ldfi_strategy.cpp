#include "ldfi_strategy.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <z3++.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <string_view>
#include <optional>

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

// FISSURE_DEBUG=ldfi prints each round's supports and how long its set-up and each check took.
bool debugging() {
  static const bool on = [] {
    const char* v = std::getenv("FISSURE_DEBUG");
    return v && std::string_view(v).find("ldfi") != std::string_view::npos;
  }();
  return on;
}

void debug(const char* what, std::chrono::steady_clock::time_point since) {
  if (!debugging()) return;
  auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - since);
  fmt::print(stderr, "fissure ldfi: {} {:.1f} ms\n", what, ms.count());
}

}  // namespace

// The formula of one batch. Variables: one per usable fault unit. Per node, a chain c[i]
// "crashed before its i-th point" (c[i] = c[i-1] or a crash before point i or after point
// i-1), and per node and peer a chain "partitioned from that peer by its i-th point". A
// premise is cut by a unit at it or by its node's chains at its position; a support by any of
// its premises; an outcome by all its supports; the tier's goal by some outcome. Then at most
// k units, one crash per node, a unit at a point seen only under faults implies those faults,
// and every hypothesis proposed and still standing is blocked (with its supersets: the formula
// is monotone, so they are no minimal hypothesis). A tier's goal, the chains it needs and the
// variables they name are added the first time it is asked for: most batches never reach the
// sound tiers, and a variable nothing names would only slow every model down. The cardinality
// constraints cover the variables made so far, so they are made again, under new literals,
// whenever a variable was added since.
struct LdfiStrategy::Round {
  explicit Round(const CutModel& m) : model(m) {}
  const CutModel& model;
  z3::context ctx;
  z3::solver solver{ctx};
  std::map<std::size_t, z3::expr> var;      // unit -> its variable
  z3::expr_vector all{ctx};
  std::map<std::string, std::vector<z3::expr>> crashes_of;  // per node, its crash variables
  std::vector<z3::expr> at_most;  // [k-1]: "at most k units, one crash per node"
  std::size_t counted = 0;        // variables the at_most literals cover
  std::uint32_t max = 1;
  unsigned generation = 0;
  std::vector<std::optional<z3::expr>> tier;  // kTiers' goals, once built
  std::map<std::string, std::vector<z3::expr>> crash_chain;
  std::map<std::pair<std::string, std::string>, std::vector<z3::expr>> partition_chain;
  std::map<std::pair<std::uint32_t, bool>, z3::expr> premise_cut;  // (point, with crashes)

  z3::expr fresh(const std::string& name) { return ctx.bool_const(name.c_str()); }
  z3::expr any(const std::vector<z3::expr>& terms) {
    if (terms.empty()) return ctx.bool_val(false);
    if (terms.size() == 1) return terms.front();
    z3::expr_vector v(ctx);
    for (const auto& t : terms) v.push_back(t);
    return z3::mk_or(v);
  }
  // A fresh variable that holds only if the disjunction does, or the one term itself. The
  // goal names such variables only positively (the formula is monotone), so the converse is
  // not needed; it halved the clauses, and definitions are handed to the solver together
  // before the next check (flush()): one assertion each cost 1.3 s of the 10,000-point
  // benchmark's first hypothesis.
  z3::expr named_any(const std::vector<z3::expr>& terms, const std::string& name) {
    if (terms.size() == 1) return terms.front();
    z3::expr c = fresh(name);
    defs.push_back(z3::implies(c, any(terms)));
    return c;
  }
  z3::expr_vector defs{ctx};
  void flush() {
    if (defs.empty()) return;
    solver.add(z3::mk_and(defs));
    defs = z3::expr_vector(ctx);
  }
  // Blocks the hypothesis and its supersets. One with a unit that can no longer take part
  // needs no block (and an empty clause would block everything).
  void block(const std::vector<std::size_t>& h) {
    std::vector<z3::expr> lits;
    for (std::size_t u : h) {
      auto v = unit(u);
      if (!v) return;
      lits.push_back(!*v);
    }
    if (!lits.empty()) solver.add(any(lits));
  }

  // The unit's variable, made on first use with the implications to its seed; nullopt for a
  // unit that cannot take part (see CutModel::usable).
  std::optional<z3::expr> unit(std::size_t u) {
    if (auto it = var.find(u); it != var.end()) return it->second;
    if (!model.usable(u) && !seeding.count(u)) return std::nullopt;
    z3::expr v = fresh(fmt::format("u{}", u));
    var.emplace(u, v);
    all.push_back(v);
    if (model.info(u).crash) crashes_of[model.point(model.info(u).point).node].push_back(v);
    for (std::size_t s : model.seed(model.info(u).point)) {
      seeding.insert(s);
      if (auto sv = unit(s)) solver.add(z3::implies(v, *sv));
    }
    return v;
  }

  const z3::expr& at_most_k(std::uint32_t k) {
    if (counted != all.size() || at_most.empty()) {
      at_most.clear();
      ++generation;
      for (std::uint32_t j = 1; j <= max; ++j) {
        z3::expr a = fresh(fmt::format("at_most_{}_{}", j, generation));
        z3::expr_vector holds(ctx);
        holds.push_back(all.empty() ? ctx.bool_val(true) : z3::atmost(all, j));
        for (auto& [node, crashes] : crashes_of) {
          z3::expr_vector v(ctx);
          for (auto& c : crashes) v.push_back(c);
          holds.push_back(z3::atmost(v, 1));
        }
        solver.add(z3::implies(a, z3::mk_and(holds)));
        at_most.push_back(a);
      }
      counted = all.size();
    }
    return at_most[k - 1];
  }

  std::set<std::size_t> seeding;  // units some usable unit needs as its seed

  const std::vector<z3::expr>& crashed(const std::string& node) {
    auto it = crash_chain.find(node);
    if (it != crash_chain.end()) return it->second;
    std::vector<z3::expr> chain;
    std::vector<z3::expr> after_prev;
    const auto& order = model.order().at(node);
    for (std::uint32_t i = 0; i < order.size(); ++i) {
      std::vector<z3::expr> terms = after_prev;
      after_prev.clear();
      if (i > 0) terms.push_back(chain.back());
      for (std::size_t u : model.universe().at(model.point(order[i]))) {
        if (!model.info(u).crash) continue;
        if (auto v = unit(u))
          (model.info(u).cut == CutModel::Cut::CrashBefore ? terms : after_prev).push_back(*v);
      }
      chain.push_back(terms.empty() ? ctx.bool_val(false)
                                    : named_any(terms, fmt::format("crashed_{}_{}", node, i)));
    }
    return crash_chain.emplace(node, std::move(chain)).first->second;
  }

  const std::vector<z3::expr>& partitioned(const std::string& node, const std::string& peer) {
    auto key = std::make_pair(node, peer);
    auto it = partition_chain.find(key);
    if (it != partition_chain.end()) return it->second;
    std::vector<z3::expr> chain;
    const auto& order = model.order().at(node);
    for (std::uint32_t i = 0; i < order.size(); ++i) {
      std::vector<z3::expr> terms;
      if (i > 0) terms.push_back(chain.back());
      for (std::size_t u : model.universe().at(model.point(order[i])))
        // The unit at this point cuts calls to `peer` from here on, if it separates them.
        if (model.info(u).cut == CutModel::Cut::Partition && model.usable(u) &&
            model.separates(u, node, peer))
          terms.push_back(*unit(u));
      chain.push_back(terms.empty()
                          ? ctx.bool_val(false)
                          : named_any(terms, fmt::format("cut_{}_{}_{}", node, peer, i)));
    }
    return partition_chain.emplace(key, std::move(chain)).first->second;
  }

  z3::expr premise(std::uint32_t point, bool with_crashes) {
    auto key = std::make_pair(point, with_crashes);
    auto it = premise_cut.find(key);
    if (it != premise_cut.end()) return it->second;
    const InjectionPoint& p = model.point(point);
    std::vector<z3::expr> terms;
    if (model.is_end(point)) {  // up to the end: any crash of the node cuts it
      if (with_crashes && crashing.count(p.node))
        for (std::uint32_t q : model.order().at(p.node))
          for (std::size_t u : model.universe().at(model.point(q)))
            if (model.info(u).crash)
              if (auto v = unit(u)) terms.push_back(*v);
      z3::expr e = any(terms);
      premise_cut.emplace(key, e);
      return e;
    }
    const std::uint32_t pos = model.position(point);
    for (std::size_t u : model.universe().at(p))
      if (model.info(u).cut == CutModel::Cut::AtPoint)
        if (auto v = unit(u)) terms.push_back(*v);
    const bool message = p.op == OpClass::Send || p.op == OpClass::Recv || p.op == OpClass::Connect;
    if (message && has_partitions) terms.push_back(partitioned(p.node, p.peer)[pos]);
    if (with_crashes && crashing.count(p.node)) terms.push_back(crashed(p.node)[pos]);
    z3::expr e = any(terms);
    premise_cut.emplace(key, e);
    return e;
  }

  const z3::expr& goal(std::size_t t) {
    if (tier[t]) return *tier[t];
    auto [lineage, scope] = kTiers[t];
    // Per outcome, its supports as the premises some fault can cut, each with its cut. Only
    // those premises matter; supports that agree on them are one constraint. On
    // redis-sentinel, faulting the master alone, this leaves the master's calls of each sound
    // support, out of thousands of the cluster's.
    struct Cuttable {
      std::vector<std::vector<std::uint32_t>> supports;  // sorted point ids
      std::vector<z3::expr> cut;                          // one per support
    };
    std::vector<Cuttable> outcomes;
    for (const auto& [key, o] : model.outcomes()) {
      const auto& supports = lineage == Lineage::Precise ? o.precise : o.sound;
      if (supports.empty()) continue;
      std::set<std::vector<std::uint32_t>> distinct;
      Cuttable c;
      bool possible = true;
      for (const auto& s : supports) {
        std::vector<std::uint32_t> kept;
        std::vector<z3::expr> cut;
        for (std::uint32_t pt : s) {
          if (!model.faultable(pt)) continue;
          bool crashes = scope == Scope::All ||
                         (scope == Scope::NotOwnNode && model.point(pt).node != o.node);
          z3::expr e = premise(pt, crashes);
          if (e.is_false()) continue;
          kept.push_back(pt);
          cut.push_back(e);
        }
        possible = possible && !kept.empty();  // no fault in this tier cuts that support
        if (distinct.insert(kept).second) {
          c.supports.push_back(std::move(kept));
          c.cut.push_back(any(cut));
        }
      }
      if (possible) outcomes.push_back(std::move(c));
    }
    // The goal is that some outcome is cut. An outcome whose cut implies another's adds
    // nothing to that disjunction: cutting Y implies cutting X when each support of X holds
    // all the premises of some support of Y. A history workload's later answers have the
    // earlier ones' pasts inside theirs, so of hundreds of outcomes (one per operation) a
    // few are left, and the solver's formula shrinks by as much (see "The search").
    auto implies_cut = [](const Cuttable& y, const Cuttable& x) {
      return std::all_of(x.supports.begin(), x.supports.end(), [&](const auto& sx) {
        return std::any_of(y.supports.begin(), y.supports.end(), [&](const auto& sy) {
          return std::includes(sx.begin(), sx.end(), sy.begin(), sy.end());
        });
      });
    };
    // Each outcome is checked against those kept so far only, largest first: implication is
    // transitive, so one implied by a dropped outcome is implied by the keeper that dropped it,
    // and a keeper is never dropped later. Against every other outcome, this was quadratic in
    // the operations of a history (redis-replication: thousands per run).
    std::vector<std::size_t> order(outcomes.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::vector<std::size_t> weights(outcomes.size(), 0);  // premises over all supports
    for (std::size_t i = 0; i < outcomes.size(); ++i)
      for (const auto& sup : outcomes[i].supports) weights[i] += sup.size();
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return weights[a] > weights[b]; });
    std::vector<std::size_t> kept;
    for (std::size_t y : order)
      if (std::none_of(kept.begin(), kept.end(),
                       [&](std::size_t x) { return implies_cut(outcomes[y], outcomes[x]); }))
        kept.push_back(y);
    std::sort(kept.begin(), kept.end());  // the outcomes' own order, as before
    std::vector<z3::expr> goals;
    for (std::size_t i : kept) {
      z3::expr_vector all_of(ctx);
      for (auto& e : outcomes[i].cut) all_of.push_back(e);
      goals.push_back(z3::mk_and(all_of));
    }
    if (debugging())
      fmt::print(stderr, "fissure ldfi: tier {}: {} of {} outcomes left to cut\n", t,
                 goals.size(), outcomes.size());
    z3::expr g = fresh(fmt::format("tier{}", t));
    solver.add(z3::implies(g, any(goals)));
    tier[t] = g;
    return *tier[t];
  }
  std::set<std::string> crashing;  // nodes with a usable crash unit
  bool has_partitions = false;
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
  round_ = std::make_unique<Round>(model_);
  Round& r = *round_;
  z3::params p(r.ctx);
  p.set("random_seed", static_cast<unsigned>(seed_ & 0xffffffffu));
  r.solver.set(p);
  r.max = space_.max;
  for (std::size_t u = 0; u < model_.universe().units().size(); ++u) {
    const auto& info = model_.info(u);
    if (!model_.usable(u)) continue;
    if (info.cut == CutModel::Cut::Partition) r.has_partitions = true;
    if (info.crash) r.crashing.insert(model_.point(info.point).node);
  }
  r.tier.resize(kTiers.size());
  if (debugging())
    for (const auto& [key, o] : model_.outcomes())
      for (const auto& sup : o.precise) {
        std::vector<std::string> names;
        for (auto pt : sup) names.push_back(to_string(model_.point(pt)));
        fmt::print(stderr, "fissure ldfi: {} ({}) needs {}\n", key, o.node, fmt::join(names, "; "));
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
  auto find = [&](const std::vector<z3::expr>& assume) -> std::optional<Hypothesis> {
    z3::expr_vector a(r.ctx);
    for (const auto& e : assume) a.push_back(e);
    while (true) {
      auto t0 = std::chrono::steady_clock::now();
      r.flush();
      auto res = r.solver.check(a);
      debug(res == z3::sat ? "check: sat" : "check: unsat", t0);
      if (res != z3::sat) break;
      z3::model m = r.solver.get_model();
      Hypothesis h;
      for (const auto& [u, v] : r.var)
        if (m.eval(v, true).is_true()) h.push_back(u);
      // No fault cuts nothing: a model without one says the goal holds vacuously, which the
      // formula does not allow; blocking it would block everything.
      if (h.empty()) break;
      r.block(h);
      auto t1 = std::chrono::steady_clock::now();
      bool is_minimal = model_.minimal(h);
      debug("minimal", t1);
      if (!is_minimal) continue;
      auto plan = plan_of(h);
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
        z3::expr goal = r.goal(t);
        std::vector<z3::expr> assume{goal};
        for (std::size_t u : base)
          if (auto v = r.unit(u)) assume.push_back(*v);
        assume.push_back(r.at_most_k(k));
        if (auto h = find(assume)) return h;
      }
    refuted_.pop_back();
  }
  // Then every minimal hypothesis, smallest first.
  for (std::uint32_t k = 1; k <= space_.max; ++k)
    for (std::size_t t = 0; t < kTiers.size(); ++t)
      {
        auto t0 = std::chrono::steady_clock::now();
        z3::expr g = r.goal(t);
        debug("goal", t0);
        t0 = std::chrono::steady_clock::now();
        z3::expr a = r.at_most_k(k);
        debug("at most k", t0);
        if (auto h = find({g, a})) return h;
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
  std::optional<Hypothesis> found;
  const auto refuted = refuted_;
  auto started = std::chrono::steady_clock::now();
  thread_.run([&] {
    auto t0 = std::chrono::steady_clock::now();
    if (dirty_) start_round();
    debug("round", t0);
    dirty_ = false;
    found = next_hypothesis();
  });
  stats_.solver_seconds +=
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!found) {
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
  dirty_ = true;
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
    const bool passed = std::find(o.points.begin(), o.points.end(), f.at) != o.points.end();
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
  if (!mine) return;
  if (untried) {
    auto plan = plan_of(*mine);
    if (retried_.insert(plan->id()).second)
      retry_.push_back(*mine);
    else
      untested_.push_back(plan ? describe(plan->faults.front()) : id);
    return;
  }
  if (o.verdict == "good" && !model_.breaks(*mine, Lineage::Sound, Scope::All)) {
    refuted_.push_back(*mine);
    ++stats_.refuted;
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
