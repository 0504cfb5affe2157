// The lineage of a run's good outcome: which messages and nodes it depended on, which of
// them it could not do without, and how many messages must be lost to separate it from its
// causes. Supports are sets of injection points, so strategies can reason about them and
// supports from different runs can be joined by name.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "fissure/model/graph.hpp"

namespace fissure {

// The events that show the good outcome: the workload's last successful receive on each
// channel it received on from another node (or a process outside the run), and the last
// write to each of the spec's oracle.outcome_files, whichever node made it, before the
// workload ended. The same for each of oracle.replica_files, unless the run crashed its
// writer after it.
std::vector<std::uint64_t> outcome_events(const Trace& t);
// Whether the spec names `file` (as the trace names files) among oracle.replica_files.
bool is_replica_file(const Trace& t, const std::string& file);
// Whether an outcome key is the replicas' copies' (outcome_keys()): each support of it also
// needs its copy's replica up to the end of the run.
bool is_replica_outcome(std::string_view key);

struct Support {
  std::uint64_t outcome = 0;
  std::vector<std::uint64_t> events;  // what the outcome was found to depend on, sorted
  std::set<InjectionPoint> messages;  // the sends between different nodes among them
  std::set<std::string> nodes;        // the nodes those events belong to
  // Why each event is there, as found by the walk. Program order alone is no dependency: an
  // event loop's thread orders everything it ever does.
  struct Dependency {
    std::uint64_t cause = 0, effect = 0;
    // A request the node kept from an earlier pass and answered now. It is needed as well
    // as, not instead of, what the node waited for meanwhile, so the path analyses below
    // (dominators, min cut) do not count it as a route of its own.
    bool remembered = false;
    bool operator==(const Dependency&) const = default;
  };
  std::vector<Dependency> because;
};

// The outcome's support, found backwards from it within the workload's window (from its
// first event on): a receive depends on the sends its bytes came from; a send depends on the
// block of receives its thread made just before its block of sends (the dialog of an event
// loop: what it read, then what it wrote, within one pass of its loop), and a process's first
// events on the fork that made it. A send also answers what its node received on the same
// channel since it last sent there (a server's pending request, even from earlier passes; a
// client's only when this pass read it), and then depends on what the node heard on other
// channels while that request waited, unless it answered that at once on its own channel.
// So a heartbeat a node answered in a pass of its own is not part of what it told the
// workload, while the replies it waited for before answering are.
Support support_of(const CommGraph& g, std::uint64_t outcome);
// The supports of several outcomes of one graph, sharing the work of reading its
// conversations.
std::vector<Support> supports_of(const CommGraph& g, const std::vector<std::uint64_t>& outcomes);

// Sends on every path of the support to its outcome: its single points of failure. In the
// order they happened.
std::vector<std::uint64_t> dominating_messages(const CommGraph& g, const Support& s);

// The fewest messages between nodes whose loss leaves no path of the support from `from` to
// `to` (max-flow / min-cut over the support's dependencies): e.g. from a server's receipt of a
// request to its reply, the independent routes through other nodes. 0 if either event is
// outside the support or no path joins them; SIZE_MAX if a path needs no message at all.
std::size_t min_message_cut(const CommGraph& g, const Support& s, std::uint64_t from,
                            std::uint64_t to);

// Alternative supports learned across runs (Netflix's union of graphs): a run with faults
// that still succeeded shows another way to the same outcome. Outcomes are keyed by the
// workload node and their order ("client answer #1"), not by the peer that answered, so a
// fallback to another server is another support of the same outcome; supports are keyed by
// their messages' names.
class Redundancy {
 public:
  // Adds the supports of `t`'s outcomes; returns how many were new.
  std::size_t add(const Trace& t);
  const std::map<std::string, std::set<std::set<InjectionPoint>>>& supports() const {
    return supports_;
  }

 private:
  std::map<std::string, std::set<std::set<InjectionPoint>>> supports_;
};

// "client answer #2": the workload node's second outcome event; "last write to FILE"; for
// every replica file, one key, "a copy in one of FILE, FILE": the same outcome, so the
// copies' lineages are its alternative supports and a hypothesis must cut them all.
std::string outcome_key(const Trace& t, std::uint64_t outcome);
// The keys of several outcomes of one trace, reading its outcome events once.
std::vector<std::string> outcome_keys(const Trace& t, const std::vector<std::uint64_t>& outcomes);

// When the workload's window begins: its first event's time (0 if it has none).
std::uint64_t window_start(const Trace& t);

}  // namespace fissure
