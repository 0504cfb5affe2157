// What lineage-driven fault injection reasons about: the fault units a [faults] space allows
// at every point seen in any run, each node's points in program order, the faults under which
// a point was first seen (Molly's seed), and per outcome the alternative supports learned
// (the union of lineages across runs that still reached it: Netflix's redundancy).
//
// How a fault unit cuts a premise P, a point of node N at position i in N's order (a message
// A->B is two premises, A's send and B's receive, so either end cutting it cuts the message):
//
// | unit                            | cuts P when                                               |
// |---------------------------------|-----------------------------------------------------------|
// | error at Q, drop at Q, disk at Q | Q == P: the call fails, the message or stream is lost      |
// | crash N before Q (with restart)  | Q is N's point at position j <= i: N never made call P     |
// | crash N after Q (with restart)   | j < i                                                      |
// | partition at Q of N's side       | j <= i, and P's peer is on the other side                  |
// | delay, restart alone             | never: they lose nothing (coverage hunts timing)           |
//
// A replica's copy of an outcome (the spec's replica_files) also needs its replica up to the
// end of the run: a premise "N is up at the end", cut by any crash of N, wherever it lands
// (even after N's last call), and by nothing else.
//
// So a send A->B is cut by an error or drop at it or at B's receive, a crash of A at or before
// the send, a crash of B before the receive, and a partition between them active then. A
// partition is taken from the partitioning node's own calls on: calls between two other nodes
// it also separates are not counted as cut, so such a hypothesis is found only through its
// effect on the partitioned node.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "plan_universe.hpp"

namespace fissure {

class CutModel {
 public:
  enum class Cut : std::uint8_t { None, AtPoint, CrashBefore, CrashAfter, Partition };
  struct UnitInfo {
    Cut cut = Cut::None;
    std::uint32_t point = 0;  // where it lands (a point id)
    bool crash = false;       // a crash (with or without restart): one per node
    // Its fault but for where it lands (kind, restart, errno, partition sides, heal), as a
    // number: units of one shape at two points of a node differ only in where they land.
    std::uint32_t shape = 0;
  };
  // What must hold for an outcome: every support cut. Supports as sorted point ids, each
  // reduced to the premises its cut depends on (support_of).
  struct Outcome {
    std::string node;  // the node whose act the outcome is
    std::set<std::vector<std::uint32_t>> precise, sound;
  };
  enum class Lineage : std::uint8_t { Precise, Sound };
  // Which cuts a hypothesis may use: omissions only, no crash of the outcome's own node (a
  // crash that takes the node whose outcome it is usually leaves nothing to check), or all.
  enum class Scope : std::uint8_t { Omission, NotOwnNode, All };

  CutModel(FaultSpace space, std::vector<std::string> nodes, std::vector<std::string> workload);

  // Learns the points (with their seed) and, from a good run, the supports of the outcomes it
  // reached. Returns how many supports were new.
  std::size_t learn(const Observation& o);
  void mark_unfireable(std::size_t unit) { generation_ += unfireable_.insert(unit).second; }
  // Changes whenever what a formula is made of changes (points, their order, units, supports,
  // unfireable units): a run that taught nothing leaves the search's round as it was.
  std::size_t generation() const { return generation_; }

  const Universe& universe() const { return universe_; }
  const UnitInfo& info(std::size_t unit) const { return info_.at(unit); }
  const InjectionPoint& point(std::uint32_t id) const { return universe_.index().point(id); }
  std::size_t points() const { return universe_.index().size(); }
  std::uint32_t position(std::uint32_t point) const { return position_.at(point); }
  const std::map<std::string, std::vector<std::uint32_t>>& order() const { return order_; }
  const std::vector<std::size_t>& seed(std::uint32_t point) const { return seed_.at(point); }
  // The seed as a number (equal seeds, equal numbers; 0 for none), and the point's node's.
  std::uint32_t seed_id(std::uint32_t point) const { return seed_id_.at(point); }
  std::uint32_t node_of(std::uint32_t point) const { return node_of_.at(point); }
  std::size_t nodes() const { return faultable_.size(); }
  const std::map<std::string, Outcome>& outcomes() const { return outcomes_; }
  const std::set<std::size_t>& unfireable() const { return unfireable_; }
  std::size_t supports() const;
  // Whether the unit can take part in a hypothesis: it cuts something, or seeds a unit that
  // does, and it has not shown that it cannot fire.
  bool usable(std::size_t unit) const;
  std::uint32_t id_of(const InjectionPoint& p) const { return universe_.index().find(p); }
  // The premise "node is up at the end of the run"; whether a premise is one.
  std::uint32_t end_of(const std::string& node);
  bool is_end(std::uint32_t premise) const { return point(premise).k == 0; }
  // Whether some unit lands on a call of the premise's node: no other premise can be cut (a
  // unit cuts only its own point, its node's later calls, or its node's calls to the other
  // side). On redis-sentinel, faulting the master alone, that leaves the master's calls, a
  // few of every support's tens of thousands, and skipping the rest is most of a round.
  bool faultable(std::uint32_t premise) const { return faultable_[node_of_[premise]]; }
  bool cuts(std::size_t unit, std::uint32_t premise, Scope scope, const std::string& own) const;
  // Whether a partition unit puts the two nodes on different sides.
  bool separates(std::size_t unit, const std::string& a, const std::string& b) const;

  // Does the hypothesis (unit indices) cut every support of some outcome, in this scope?
  bool breaks(const std::vector<std::size_t>& h, Lineage lineage, Scope scope) const;
  // No unit of it can go with the hypothesis still breaking an outcome (sound lineage).
  bool minimal(const std::vector<std::size_t>& h) const;

 private:
  // Per point name: its node's number, whether an omission of the space may land on such a
  // point, and its channel (node and peer of a message; kNone for others).
  struct NameInfo {
    std::uint32_t node = 0;
    bool omission = false;
    std::uint32_t channel = PointIndex::kNone;
    bool in_space = false;  // its node is one of the space's
  };
  std::size_t learn_run(const Observation& o);
  std::array<std::size_t, 7> extent() const;  // sizes that grow with whatever learn() adds
  // Extends the per-name and per-point tables to the points the index holds.
  void grow();
  std::uint32_t intern(const InjectionPoint& p);
  // Each node's points from one run, in the run's order, placed among those known: a point
  // seen for the first time goes just after the one before it in that run.
  void place(const PointList& points, const std::vector<std::uint32_t>& ids);
  // The premises of a lineage that cutting it depends on, sorted: those an omission may land
  // on, and of the rest, per node its last premise (a crash of the node cuts the lineage when
  // it comes at or before that one) and per channel its last (a partition likewise). A crash
  // or a partition that cuts any premise cuts those too, so the support is cut by exactly the
  // same units. On redis-replication a support of 20,000 points is a few premises, which is
  // what let the coordinator take in more than a few hundred runs a second (see "Past one
  // machine" in README.md).
  std::vector<std::uint32_t> support_of(const PointList& lineage,
                                        const std::vector<std::uint32_t>& ids);

  Universe universe_;
  std::vector<UnitInfo> info_;
  std::map<std::string, std::vector<std::uint32_t>> order_;
  std::vector<std::uint32_t> position_;
  std::vector<bool> placed_;  // per point: in its node's order
  std::size_t placed_count_ = 0;
  std::size_t generation_ = 0;
  std::map<std::string, std::uint32_t> node_id_;
  std::map<std::pair<std::string, std::string>, std::uint32_t> channel_id_;
  std::vector<NameInfo> names_;         // per name of the index
  std::vector<std::uint32_t> node_of_;  // per point, its node's number
  std::vector<bool> faultable_;         // per node number
  std::vector<std::vector<std::size_t>> seed_;
  std::vector<std::uint32_t> seed_id_;  // per point
  std::map<std::vector<std::size_t>, std::uint32_t> seed_ids_{{{}, 0}};
  std::map<std::vector<Fault>, std::uint32_t> shapes_;
  std::map<std::string, Outcome> outcomes_;
  std::set<std::size_t> unfireable_;
};

}  // namespace fissure
