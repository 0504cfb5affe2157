// One lineage's formula of a batch: which fault units cut every support of some outcome, in
// Z3. A Round of the lineage-driven search holds one per lineage (precise, sound), each made
// the first time a tier of that lineage is asked for.
//
// Units that cut the same premises are one variable. For a lineage, a node's premises are the
// calls of it that some support of that lineage names; a crash or a partition of the node
// cuts the premises from its position on, so every such unit landing between two premises (a
// gap) cuts exactly what the others of that gap cut. They are one class, with one variable,
// if they are also the same fault but for where it lands (kind, restart, partition sides,
// heal) and need the same seed. A class stands for its representative: the unit of it a
// hypothesis proposed before named, else the latest (a crash or a partition just before the
// first premise it must cut: the node does all it did before, as far as the lineage can tell
// what matters). Units a point seen only under faults needs as its seed stay alone: a
// hypothesis must make that point exist again, with exactly those faults. On the 10,000-point
// benchmark (experiments/bench/ldfi_solver), whose precise support is the last 400 calls, this took
// the precise formula from 40,803 variables to a few thousand; the sound support holds every call,
// so the sound formula keeps a variable a unit, as before.
//
// A hypothesis found here is the classes' representatives, so it is as minimal as one over
// units: units of one class are interchangeable against every support known, and a run that
// refutes one teaches the support that tells them apart, which splits the class next round.
#pragma once

#include <z3++.h>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "cut_model.hpp"

namespace fissure {

// FISSURE_DEBUG=ldfi prints each round's supports, its formulas' sizes and how long their
// set-up and each check took.
bool ldfi_debugging();

class LdfiFormula {
 public:
  using Lineage = CutModel::Lineage;
  using Scope = CutModel::Scope;
  using Hypothesis = std::vector<std::size_t>;  // unit indices, sorted

  // `sticky`: units earlier hypotheses named, the preferred representatives of their class.
  LdfiFormula(z3::context& ctx, const CutModel& model, Lineage lineage, std::uint32_t max,
              const std::set<std::size_t>& sticky, unsigned random_seed);

  // "Some outcome is cut by the units" in this scope, as a literal to assume; built on first
  // use. Debug output names it `tier`.
  const z3::expr& goal(Scope scope, std::size_t tier);
  // The literal "at most k units, one crash per node".
  const z3::expr& at_most_k(std::uint32_t k);
  // The unit's class variable; nullopt for a unit that cannot take part (CutModel::usable).
  std::optional<z3::expr> unit(std::size_t u);
  // Blocks the hypothesis and its supersets. One with a unit that can no longer take part
  // needs no block (and an empty clause would block everything).
  void block(const Hypothesis& h);
  // The next model under these assumptions, as the representatives of its true classes;
  // nullopt when there is none. Empty when the model sets no unit.
  std::optional<Hypothesis> check(const std::vector<z3::expr>& assume);
  std::size_t variables() const { return all_.size(); }

 private:
  // cut, node, gap, shape, seed (see CutModel::UnitInfo); a unit alone: its index as the gap.
  using ClassKey = std::tuple<int, std::uint32_t, std::size_t, std::uint32_t, std::uint32_t>;
  // The unit's class, made on first use; each unit of one class maps to one index.
  std::size_t class_of(std::size_t u);
  z3::expr fresh(const std::string& name) { return ctx_.bool_const(name.c_str()); }
  z3::expr any(const std::vector<z3::expr>& terms);
  z3::expr named_any(const std::vector<z3::expr>& terms, const std::string& name);
  void flush();
  const std::vector<z3::expr>& crashed(const std::string& node);
  const std::vector<z3::expr>& partitioned(const std::string& node, const std::string& peer);
  z3::expr premise(std::uint32_t point, bool with_crashes);

  z3::context& ctx_;
  const CutModel& model_;
  const Lineage lineage_;
  const std::set<std::size_t>& sticky_;
  z3::solver solver_;
  std::uint32_t max_;
  // Per node, the positions of its premises in this lineage, sorted: a partition's gaps'
  // bounds (which premises it cuts depends on their peers too).
  std::vector<std::vector<std::uint32_t>> premises_;  // by node number
  // Per node, the positions of its last premise in each support, sorted: a crash's gaps'
  // bounds. A crash cuts a support when it comes at or before the node's last premise in it,
  // so crashes between two of these bounds cut the same supports, however many premises lie
  // between. On redis-replication, whose master's calls are nearly all premises, the
  // precise formula of the first round went from 13,705 variables to 14.
  std::vector<std::vector<std::uint32_t>> last_premises_;  // by node number
  std::map<ClassKey, std::size_t> class_by_key_;
  static constexpr std::size_t kNoClass = static_cast<std::size_t>(-1);
  std::vector<std::size_t> class_of_unit_;  // per unit, kNoClass until asked
  std::vector<std::size_t> representative_;                  // per class
  std::vector<std::optional<z3::expr>> var_;                 // per class, once made
  std::unordered_map<unsigned, std::size_t> class_of_decl_;  // a class variable's decl -> class
  z3::expr_vector all_;
  std::map<std::string, std::vector<z3::expr>> crashes_of_;  // per node, its crash classes
  std::vector<z3::expr> at_most_;  // [k-1]: "at most k units, one crash per node"
  std::size_t counted_ = 0;        // variables the at_most_ literals cover
  unsigned generation_ = 0;
  std::map<std::size_t, z3::expr> tiers_;
  std::map<std::string, std::vector<z3::expr>> crash_chain_;
  std::map<std::pair<std::string, std::string>, std::vector<z3::expr>> partition_chain_;
  std::map<std::pair<std::uint32_t, bool>, z3::expr> premise_cut_;  // (point, with crashes)
  z3::expr_vector defs_;
  std::set<std::size_t> seeding_;   // units some usable unit needs as its seed
  std::set<std::string> crashing_;  // nodes with a usable crash unit
  bool has_partitions_ = false;
};

}  // namespace fissure
