// What a person wants to know about one trace at a glance: who talked to whom, how much,
// and how each node ended.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "fissure/tracer/trace.hpp"

namespace fissure {

struct PairTraffic {
  std::string from, to;        // node names; "(untraced)" for a peer outside the run, "(file)"
  std::uint64_t messages = 0;  // send events that moved bytes
  std::uint64_t bytes = 0;
};

struct NodeSummary {
  std::string name;
  std::uint64_t events = 0;
  std::uint64_t processes = 0;  // distinct pids seen
  std::uint64_t threads = 0;    // distinct tids seen
  std::string end;              // "exited 0", "killed (signal 9)", ...
};

struct TraceSummary {
  std::vector<NodeSummary> nodes;
  std::map<std::string, std::uint64_t> channels_by_kind;
  std::vector<PairTraffic> traffic;  // sorted by (from, to)
  std::uint64_t events = 0;
  std::uint64_t edges = 0;
};

TraceSummary summarize(const Trace& t);
std::string format_summary(const Trace& t, const TraceSummary& s);

}  // namespace fissure
