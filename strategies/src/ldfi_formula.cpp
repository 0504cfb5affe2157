#include "ldfi_formula.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <string_view>

namespace fissure {

bool ldfi_debugging() {
  static const bool on = [] {
    const char* v = std::getenv("FISSURE_DEBUG");
    return v && std::string_view(v).find("ldfi") != std::string_view::npos;
  }();
  return on;
}

namespace {

// Z3 compacts a model before handing it out, which on the 10,000-point benchmark took 210 ms
// of every hypothesis (as long as the check that found it); 75 ms without. A global setting
// of Z3's, set once before the first context.
const bool kModelsUncompacted = [] {
  z3::set_param("model.compact", false);
  return true;
}();

}  // namespace

LdfiFormula::LdfiFormula(z3::context& ctx, const CutModel& model, Lineage lineage,
                         std::uint32_t max, const std::set<std::size_t>& sticky,
                         unsigned random_seed)
    : ctx_(ctx),
      model_(model),
      lineage_(lineage),
      sticky_(sticky),
      solver_(ctx),
      max_(max),
      all_(ctx),
      defs_(ctx) {
  (void)kModelsUncompacted;
  z3::params p(ctx_);
  p.set("random_seed", random_seed);
  solver_.set(p);
  for (std::size_t u = 0; u < model_.universe().units().size(); ++u) {
    if (!model_.usable(u)) continue;
    const auto& info = model_.info(u);
    if (info.cut == CutModel::Cut::Partition) has_partitions_ = true;
    if (info.crash) crashing_.insert(model_.point(info.point).node);
    for (std::size_t s : model_.seed(info.point)) seeding_.insert(s);
  }
  premises_.resize(model_.nodes());
  last_premises_.resize(model_.nodes());
  class_of_unit_.assign(model_.universe().units().size(), kNoClass);
  for (const auto& [key, o] : model_.outcomes())
    for (const auto& s : lineage_ == Lineage::Precise ? o.precise : o.sound) {
      std::map<std::uint32_t, std::uint32_t> latest;  // per node, its last premise in s
      for (std::uint32_t pt : s) {
        if (model_.is_end(pt) || !model_.faultable(pt)) continue;
        const std::uint32_t node = model_.node_of(pt), pos = model_.position(pt);
        premises_[node].push_back(pos);
        auto [it, fresh] = latest.try_emplace(node, pos);
        if (!fresh) it->second = std::max(it->second, pos);
      }
      for (const auto& [node, pos] : latest) last_premises_[node].push_back(pos);
    }
  for (auto* bounds : {&premises_, &last_premises_})
    for (auto& ps : *bounds) {
      std::sort(ps.begin(), ps.end());
      ps.erase(std::unique(ps.begin(), ps.end()), ps.end());
    }
}

std::size_t LdfiFormula::class_of(std::size_t u) {
  if (u >= class_of_unit_.size()) class_of_unit_.resize(u + 1, kNoClass);
  if (class_of_unit_[u] != kNoClass) return class_of_unit_[u];
  const auto& info = model_.info(u);
  const bool gapped = (info.crash || info.cut == CutModel::Cut::Partition) && !seeding_.count(u);
  ClassKey key{-1, 0, u, 0, 0};
  if (gapped) {
    // A crash after a call cuts from the next one on; the gap is the first premise it cuts.
    const std::uint32_t from =
        model_.position(info.point) + (info.cut == CutModel::Cut::CrashAfter ? 1 : 0);
    const std::uint32_t node = model_.node_of(info.point);
    const auto& ps = (info.crash ? last_premises_ : premises_)[node];
    const std::size_t gap =
        static_cast<std::size_t>(std::lower_bound(ps.begin(), ps.end(), from) - ps.begin());
    // The same fault wherever it lands in the gap, with the same seed.
    key = {static_cast<int>(info.crash ? CutModel::Cut::CrashBefore : info.cut), node, gap,
           info.shape, model_.seed_id(info.point)};
  }
  auto [it, fresh] = class_by_key_.try_emplace(std::move(key), representative_.size());
  const std::size_t c = it->second;
  if (fresh) {
    representative_.push_back(u);
    var_.emplace_back();
  } else {
    // A unit an earlier hypothesis named first, then the latest, then the lowest index.
    const std::size_t r = representative_[c];
    auto rank = [&](std::size_t x) {
      const auto& i = model_.info(x);
      const std::uint32_t from = model_.position(i.point) + (i.cut == CutModel::Cut::CrashAfter);
      return std::make_tuple(!sticky_.count(x), -static_cast<std::int64_t>(from), x);
    };
    if (rank(u) < rank(r)) representative_[c] = u;
  }
  class_of_unit_[u] = c;
  return c;
}

std::optional<z3::expr> LdfiFormula::unit(std::size_t u) {
  if (!model_.usable(u) && !seeding_.count(u)) return std::nullopt;
  const std::size_t c = class_of(u);
  if (var_[c]) return *var_[c];
  z3::expr v = fresh(fmt::format("u{}", u));
  var_[c] = v;
  class_of_decl_.emplace(v.decl().id(), c);
  all_.push_back(v);
  if (model_.info(u).crash) crashes_of_[model_.point(model_.info(u).point).node].push_back(v);
  // The class shares its seed (it is part of the key), so the first member's stands for all.
  for (std::size_t s : model_.seed(model_.info(u).point))
    if (auto sv = unit(s)) solver_.add(z3::implies(v, *sv));
  return v;
}

z3::expr LdfiFormula::any(const std::vector<z3::expr>& terms) {
  if (terms.empty()) return ctx_.bool_val(false);
  if (terms.size() == 1) return terms.front();
  z3::expr_vector v(ctx_);
  for (const auto& t : terms) v.push_back(t);
  return z3::mk_or(v);
}

// A fresh variable that holds only if the disjunction does, or the one term itself. The goal
// names such variables only positively (the formula is monotone), so the converse is not
// needed; it halved the clauses, and definitions are handed to the solver together before the
// next check (flush()): one assertion each cost 1.3 s of the 10,000-point benchmark's first
// hypothesis.
z3::expr LdfiFormula::named_any(const std::vector<z3::expr>& terms, const std::string& name) {
  if (terms.size() == 1) return terms.front();
  z3::expr c = fresh(name);
  defs_.push_back(z3::implies(c, any(terms)));
  return c;
}

void LdfiFormula::flush() {
  if (defs_.empty()) return;
  solver_.add(z3::mk_and(defs_));
  defs_ = z3::expr_vector(ctx_);
}

void LdfiFormula::block(const Hypothesis& h) {
  std::vector<z3::expr> lits;
  for (std::size_t u : h) {
    auto v = unit(u);
    if (!v) return;
    lits.push_back(!*v);
  }
  if (!lits.empty()) solver_.add(any(lits));
}

const z3::expr& LdfiFormula::at_most_k(std::uint32_t k) {
  if (counted_ != all_.size() || at_most_.empty()) {
    at_most_.clear();
    ++generation_;
    for (std::uint32_t j = 1; j <= max_; ++j) {
      z3::expr a = fresh(fmt::format("at_most_{}_{}", j, generation_));
      z3::expr_vector holds(ctx_);
      holds.push_back(all_.empty() ? ctx_.bool_val(true) : z3::atmost(all_, j));
      for (auto& [node, crashes] : crashes_of_) {
        z3::expr_vector v(ctx_);
        for (auto& c : crashes) v.push_back(c);
        holds.push_back(z3::atmost(v, 1));
      }
      solver_.add(z3::implies(a, z3::mk_and(holds)));
      at_most_.push_back(a);
    }
    counted_ = all_.size();
  }
  return at_most_[k - 1];
}

// Per node, a chain c[i] "crashed before its i-th point": c[i] = c[i-1] or a crash before
// point i or after point i-1. A class enters the chain at its first member only: the others
// of its gap come later, before any premise the first does not already cut.
const std::vector<z3::expr>& LdfiFormula::crashed(const std::string& node) {
  auto it = crash_chain_.find(node);
  if (it != crash_chain_.end()) return it->second;
  std::vector<z3::expr> chain;
  std::vector<z3::expr> after_prev;
  std::set<std::size_t> entered;
  const auto& order = model_.order().at(node);
  for (std::uint32_t i = 0; i < order.size(); ++i) {
    std::vector<z3::expr> terms = after_prev;
    after_prev.clear();
    if (i > 0) terms.push_back(chain.back());
    for (std::size_t u : model_.universe().at(order[i])) {
      if (!model_.info(u).crash) continue;
      auto v = unit(u);
      if (!v || !entered.insert(class_of(u)).second) continue;
      (model_.info(u).cut == CutModel::Cut::CrashBefore ? terms : after_prev).push_back(*v);
    }
    chain.push_back(terms.empty() ? ctx_.bool_val(false)
                                  : named_any(terms, fmt::format("crashed_{}_{}", node, i)));
  }
  return crash_chain_.emplace(node, std::move(chain)).first->second;
}

// Per node and peer, a chain "partitioned from that peer by its i-th point".
const std::vector<z3::expr>& LdfiFormula::partitioned(const std::string& node,
                                                      const std::string& peer) {
  auto key = std::make_pair(node, peer);
  auto it = partition_chain_.find(key);
  if (it != partition_chain_.end()) return it->second;
  std::vector<z3::expr> chain;
  std::set<std::size_t> entered;
  const auto& order = model_.order().at(node);
  for (std::uint32_t i = 0; i < order.size(); ++i) {
    std::vector<z3::expr> terms;
    if (i > 0) terms.push_back(chain.back());
    for (std::size_t u : model_.universe().at(order[i]))
      // The unit at this point cuts calls to `peer` from here on, if it separates them.
      if (model_.info(u).cut == CutModel::Cut::Partition && model_.usable(u) &&
          model_.separates(u, node, peer) && entered.insert(class_of(u)).second)
        terms.push_back(*unit(u));
    chain.push_back(terms.empty() ? ctx_.bool_val(false)
                                  : named_any(terms, fmt::format("cut_{}_{}_{}", node, peer, i)));
  }
  return partition_chain_.emplace(key, std::move(chain)).first->second;
}

// A premise is cut by a unit at it or by its node's chains at its position.
z3::expr LdfiFormula::premise(std::uint32_t point, bool with_crashes) {
  auto key = std::make_pair(point, with_crashes);
  auto it = premise_cut_.find(key);
  if (it != premise_cut_.end()) return it->second;
  const InjectionPoint& p = model_.point(point);
  std::vector<z3::expr> terms;
  if (model_.is_end(point)) {  // up to the end: any crash of the node cuts it
    if (with_crashes && crashing_.count(p.node)) {
      std::set<std::size_t> entered;
      for (std::uint32_t q : model_.order().at(p.node))
        for (std::size_t u : model_.universe().at(q))
          if (model_.info(u).crash)
            if (auto v = unit(u); v && entered.insert(class_of(u)).second) terms.push_back(*v);
    }
    z3::expr e = any(terms);
    premise_cut_.emplace(key, e);
    return e;
  }
  const std::uint32_t pos = model_.position(point);
  for (std::size_t u : model_.universe().at(p))
    if (model_.info(u).cut == CutModel::Cut::AtPoint)
      if (auto v = unit(u)) terms.push_back(*v);
  const bool message = p.op == OpClass::Send || p.op == OpClass::Recv || p.op == OpClass::Connect;
  if (message && has_partitions_) terms.push_back(partitioned(p.node, p.peer)[pos]);
  if (with_crashes && crashing_.count(p.node)) terms.push_back(crashed(p.node)[pos]);
  z3::expr e = any(terms);
  premise_cut_.emplace(key, e);
  return e;
}

const z3::expr& LdfiFormula::goal(Scope scope, std::size_t tier) {
  if (auto it = tiers_.find(tier); it != tiers_.end()) return it->second;
  // Per outcome, its supports as the premises some fault can cut, each with its cut. Only
  // those premises matter; supports that agree on them are one constraint. On
  // redis-sentinel, faulting the master alone, this leaves the master's calls of each sound
  // support, out of thousands of the cluster's.
  struct Cuttable {
    std::vector<std::vector<std::uint32_t>> supports;  // sorted point ids
    std::vector<z3::expr> cut;                         // one per support
  };
  std::vector<Cuttable> outcomes;
  for (const auto& [key, o] : model_.outcomes()) {
    const auto& supports = lineage_ == Lineage::Precise ? o.precise : o.sound;
    if (supports.empty()) continue;
    std::set<std::vector<std::uint32_t>> distinct;
    Cuttable c;
    bool possible = true;
    for (const auto& s : supports) {
      std::vector<std::uint32_t> kept;
      std::vector<z3::expr> cut;
      for (std::uint32_t pt : s) {
        if (!model_.faultable(pt)) continue;
        bool crashes =
            scope == Scope::All || (scope == Scope::NotOwnNode && model_.point(pt).node != o.node);
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
    z3::expr_vector all_of(ctx_);
    for (auto& e : outcomes[i].cut) all_of.push_back(e);
    goals.push_back(z3::mk_and(all_of));
  }
  if (ldfi_debugging())
    fmt::print(stderr, "fissure ldfi: tier {}: {} of {} outcomes left to cut, {} variables\n", tier,
               goals.size(), outcomes.size(), all_.size());
  z3::expr g = fresh(fmt::format("tier{}", tier));
  solver_.add(z3::implies(g, any(goals)));
  return tiers_.emplace(tier, g).first->second;
}

std::optional<LdfiFormula::Hypothesis> LdfiFormula::check(const std::vector<z3::expr>& assume) {
  flush();
  z3::expr_vector a(ctx_);
  for (const auto& e : assume) a.push_back(e);
  if (solver_.check(a) != z3::sat) return std::nullopt;
  // Read from the model's own assignments: evaluating each unit variable took as long as the
  // check on the benchmark. A variable the model leaves out is false (none needs to be true:
  // the formula is monotone).
  z3::model m = solver_.get_model();
  std::set<std::size_t> h;
  for (unsigned i = 0; i < m.num_consts(); ++i) {
    z3::func_decl d = m.get_const_decl(i);
    auto it = class_of_decl_.find(d.id());
    if (it != class_of_decl_.end() && m.get_const_interp(d).is_true())
      h.insert(representative_[it->second]);
  }
  return Hypothesis(h.begin(), h.end());
}

}  // namespace fissure
