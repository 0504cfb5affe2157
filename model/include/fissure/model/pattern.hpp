// A run's communication pattern: for each pair of different nodes (or a node and a file or
// an outside endpoint), which operations occurred and which followed which (the set of
// consecutive pairs of injection-point operations, faults marked), insensitive to pids,
// ports, timing, payloads, repetition counts and the interleaving of conversations.
// Two runs with equal patterns talked the same way for a fault search's purposes.
#pragma once

#include <string>
#include <vector>

#include "fissure/tracer/trace.hpp"

namespace fissure {

struct CommPattern {
  // One line per (node, peer): "client -> master: connect connect>send recv>send send>recv".
  std::vector<std::string> lines;
  std::string hash() const;  // 16 hex digits
  bool operator==(const CommPattern&) const = default;
};

CommPattern comm_pattern(const Trace& t);
// The finer level: each node's whole ordered sequence of operations and peers (still no pids,
// ports or times). Sensitive to repetition counts and interleaving: it tells how much a
// target's runs vary, where comm_pattern tells whether they did something different.
CommPattern comm_sequence(const Trace& t);
// A run's coverage signature: its communication pattern at one of two levels, with its
// verdict. Pairs (comm_pattern) is the default: on redis-wait the sequence level made
// every one of 100 fault-free runs distinct, which would make a coverage-guided search keep
// every run; pairs gave 29 classes there, and both gave 1 on redis-getset (determinism study).
enum class CoverageLevel { Pairs, Sequence };
std::string coverage_signature(const Trace& t, std::string_view verdict,
                               CoverageLevel level = CoverageLevel::Pairs);

// The first line where two patterns differ, for people; empty if equal.
std::string first_difference(const CommPattern& a, const CommPattern& b);

}  // namespace fissure
