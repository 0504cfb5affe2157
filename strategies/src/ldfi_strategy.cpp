#include "ldfi_strategy.hpp"

#include <fmt/format.h>
#include <z3++.h>

#include <algorithm>
#include <chrono>
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

}  // namespace

// The formula of one batch. Variables: one per usable fault unit. Per node, a chain c[i]
// "crashed before its i-th point" (c[i] = c[i-1] or a crash before point i or after point
// i-1), and per node and peer a chain "partitioned from that peer by its i-th point". A
// premise is cut by a unit at it or by its node's chains at its position; a support by any of
// its premises; an outcome by all its supports; the tier's goal by some outcome. Then at most
// k units, one crash per node, a unit at a point seen only under faults implies those faults,
// and every hypothesis proposed and still standing is blocked (with its supersets: the formula
// is monotone, so they are no minimal hypothesis).
struct LdfiStrategy::Round {
  z3::context ctx;
  z3::solver solver{ctx};
  std::map<std::size_t, z3::expr> var;  // unit -> its variable
  z3::expr_vector all{ctx};
  std::vector<z3::expr> at_most;  // [k-1]: "at most k units"
  std::vector<z3::expr> tier;     // kTiers' goals
  std::map<std::string, std::vector<z3::expr>> crash_chain;
  std::map<std::pair<std::string, std::string>, std::vector<z3::expr>> partition_chain;
  std::map<std::pair<std::uint32_t, bool>, z3::expr> premise;  // (point, with crashes)

  z3::expr fresh(const std::string& name) { return ctx.bool_const(name.c_str()); }
  z3::expr any(const std::vector<z3::expr>& terms) {
    if (terms.empty()) return ctx.bool_val(false);
    z3::expr_vector v(ctx);
    for (const auto& t : terms) v.push_back(t);
    return z3::mk_or(v);
  }
  z3::expr block(const std::vector<std::size_t>& h) {
    std::vector<z3::expr> lits;
    for (std::size_t u : h)
      if (var.count(u)) lits.push_back(!var.at(u));
    return any(lits);
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
  round_ = std::make_unique<Round>();
  Round& r = *round_;
  z3::params p(r.ctx);
  p.set("random_seed", static_cast<unsigned>(seed_ & 0xffffffffu));
  r.solver.set(p);
  const auto& units = model_.universe().units();
  // Variables: usable units, and the units that seed them.
  std::set<std::size_t> wanted;
  for (std::size_t u = 0; u < units.size(); ++u)
    if (model_.usable(u)) {
      wanted.insert(u);
      for (std::size_t s : model_.seed(model_.info(u).point)) wanted.insert(s);
    }
  for (std::size_t u : wanted) {
    r.var.emplace(u, r.fresh(fmt::format("u{}", u)));
    r.all.push_back(r.var.at(u));
  }
  for (std::size_t u : wanted)
    for (std::size_t s : model_.seed(model_.info(u).point))
      r.solver.add(z3::implies(r.var.at(u), r.var.at(s)));
  std::map<std::string, std::vector<z3::expr>> crashes_of;
  for (std::size_t u : wanted)
    if (model_.info(u).crash)
      crashes_of[model_.point(model_.info(u).point).node].push_back(r.var.at(u));
  for (auto& [node, crashes] : crashes_of) {
    z3::expr_vector v(r.ctx);
    for (auto& c : crashes) v.push_back(c);
    r.solver.add(z3::atmost(v, 1));
  }
  // Crash chains, per node, along its order.
  for (const auto& [node, order] : model_.order()) {
    if (!crashes_of.count(node)) continue;
    std::vector<z3::expr> chain;
    std::vector<z3::expr> after_prev;
    for (std::uint32_t i = 0; i < order.size(); ++i) {
      std::vector<z3::expr> terms = after_prev;
      after_prev.clear();
      if (i > 0) terms.push_back(chain.back());
      for (std::size_t u : model_.universe().at(model_.point(order[i]))) {
        if (!r.var.count(u) || !model_.info(u).crash) continue;
        (model_.info(u).cut == CutModel::Cut::CrashBefore ? terms : after_prev)
            .push_back(r.var.at(u));
      }
      if (terms.size() == 1) {
        chain.push_back(terms.front());
      } else {
        z3::expr c = r.fresh(fmt::format("crashed_{}_{}", node, i));
        r.solver.add(c == r.any(terms));
        chain.push_back(c);
      }
    }
    r.crash_chain.emplace(node, std::move(chain));
  }
  auto partitioned = [&](const std::string& node, const std::string& peer,
                         std::uint32_t pos) -> std::optional<z3::expr> {
    auto key = std::make_pair(node, peer);
    auto it = r.partition_chain.find(key);
    if (it == r.partition_chain.end()) {
      std::vector<z3::expr> chain;
      const auto& order = model_.order().at(node);
      for (std::uint32_t i = 0; i < order.size(); ++i) {
        std::vector<z3::expr> terms;
        if (i > 0) terms.push_back(chain.back());
        for (std::size_t u : model_.universe().at(model_.point(order[i])))
          if (r.var.count(u) && model_.info(u).cut == CutModel::Cut::Partition) {
            // The unit at this point cuts calls to `peer` from here on, if it separates them.
            const Fault& f = model_.universe().units()[u].faults.front();
            int gn = -1, gp = -1;
            for (std::size_t g = 0; g < f.groups.size(); ++g) {
              if (std::find(f.groups[g].begin(), f.groups[g].end(), node) != f.groups[g].end())
                gn = static_cast<int>(g);
              if (std::find(f.groups[g].begin(), f.groups[g].end(), peer) != f.groups[g].end())
                gp = static_cast<int>(g);
            }
            const bool apart = gn >= 0 && gp >= 0 && gn != gp;
            if (apart) terms.push_back(r.var.at(u));
          }
        if (terms.size() == 1) {
          chain.push_back(terms.front());
        } else {
          z3::expr c = r.fresh(fmt::format("cut_{}_{}_{}", node, peer, i));
          r.solver.add(c == r.any(terms));
          chain.push_back(c);
        }
      }
      it = r.partition_chain.emplace(key, std::move(chain)).first;
    }
    if (it->second.empty()) return std::nullopt;
    return it->second[pos];
  };
  auto premise = [&](std::uint32_t point, bool with_crashes) -> z3::expr {
    auto key = std::make_pair(point, with_crashes);
    auto it = r.premise.find(key);
    if (it != r.premise.end()) return it->second;
    const InjectionPoint& p = model_.point(point);
    const std::uint32_t pos = model_.position(point);
    std::vector<z3::expr> terms;
    for (std::size_t u : model_.universe().at(p))
      if (r.var.count(u) && model_.info(u).cut == CutModel::Cut::AtPoint)
        terms.push_back(r.var.at(u));
    const bool message = p.op == OpClass::Send || p.op == OpClass::Recv || p.op == OpClass::Connect;
    if (message)
      if (auto c = partitioned(p.node, p.peer, pos)) terms.push_back(*c);
    if (with_crashes && r.crash_chain.count(p.node)) terms.push_back(r.crash_chain.at(p.node)[pos]);
    z3::expr e = r.any(terms);
    r.premise.emplace(key, e);
    return e;
  };
  for (std::size_t t = 0; t < kTiers.size(); ++t) {
    auto [lineage, scope] = kTiers[t];
    std::vector<z3::expr> outcomes;
    for (const auto& [key, o] : model_.outcomes()) {
      const auto& supports = lineage == Lineage::Precise ? o.precise : o.sound;
      if (supports.empty()) continue;
      z3::expr_vector every(r.ctx);
      for (const auto& s : supports) {
        std::vector<z3::expr> cut;
        for (std::uint32_t pt : s) {
          bool crashes = scope == Scope::All ||
                         (scope == Scope::NotOwnNode && model_.point(pt).node != o.node);
          cut.push_back(premise(pt, crashes));
        }
        every.push_back(r.any(cut));
      }
      outcomes.push_back(z3::mk_and(every));
    }
    z3::expr goal = r.fresh(fmt::format("tier{}", t));
    r.solver.add(z3::implies(goal, r.any(outcomes)));
    r.tier.push_back(goal);
  }
  for (std::uint32_t k = 1; k <= space_.max; ++k) {
    z3::expr a = r.fresh(fmt::format("at_most_{}", k));
    // No usable unit at all (every one shown unfireable): nothing to count.
    r.solver.add(z3::implies(a, r.all.empty() ? r.ctx.bool_val(true) : z3::atmost(r.all, k)));
    r.at_most.push_back(a);
  }
  for (const auto& h : proposed_) {
    bool pending = std::any_of(pending_.begin(), pending_.end(),
                               [&](const auto& kv) { return kv.second == h; });
    if (pending || model_.breaks(h, Lineage::Sound, Scope::All)) r.solver.add(r.block(h));
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
    while (r.solver.check(a) == z3::sat) {
      z3::model m = r.solver.get_model();
      Hypothesis h;
      for (const auto& [u, v] : r.var)
        if (m.eval(v, true).is_true()) h.push_back(u);
      r.solver.add(r.block(h));
      if (h.empty() || !model_.minimal(h)) continue;
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
      for (const auto& goal : r.tier) {
        std::vector<z3::expr> assume{r.at_most[k - 1], goal};
        for (std::size_t u : base)
          if (r.var.count(u)) assume.push_back(r.var.at(u));
        if (auto h = find(assume)) return h;
      }
    refuted_.pop_back();
  }
  // Then every minimal hypothesis, smallest first.
  for (std::uint32_t k = 1; k <= space_.max; ++k)
    for (const auto& goal : r.tier)
      if (auto h = find({r.at_most[k - 1], goal})) return h;
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
    if (dirty_) start_round();
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
      "answers and the spec's outcome_files), and each hypothesis's outcome was judged by the "
      "spec's oracle",
      "the sound lineage takes all threads of a process as one and follows every message, "
      "pipe and fork the tracer sees; memory shared between processes, io_uring and fds passed "
      "over unix sockets are not seen",
      "each hypothesis ran once: a failure that needs other timing (a delay, a race) is "
      "outside these bounds",
      "faults before the workload's first event are outside these bounds",
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
