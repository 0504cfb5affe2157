// A run's communication pattern: per node, the sequence of operations it performed towards
// each peer (the injection points without their occurrence numbers), insensitive to pids,
// ports, timing and payloads. Two runs with equal patterns talked the same way.
#pragma once

#include <string>
#include <vector>

#include "fissure/tracer/trace.hpp"

namespace fissure {

struct CommPattern {
  // One line per node: "master: accept 127.0.0.1:7000, recv client, send client, ...".
  std::vector<std::string> lines;
  std::string hash() const;  // 16 hex digits
  bool operator==(const CommPattern&) const = default;
};

CommPattern comm_pattern(const Trace& t);
// The first line where two patterns differ, for people; empty if equal.
std::string first_difference(const CommPattern& a, const CommPattern& b);

}  // namespace fissure
