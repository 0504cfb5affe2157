#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "fissure/checker/counterexample.hpp"

namespace fissure::checker {

enum class Linearizability { Linearizable, NotLinearizable, Unknown };

// "linearizable", "not linearizable", "unknown".
std::string_view to_string(Linearizability l);

struct CheckResult {
  Linearizability verdict = Linearizability::Linearizable;
  std::string budget;  // unknown: which budget ran out, e.g. "time 10000 ms on key 'k1'"
  std::optional<Counterexample> counterexample;  // not linearizable
  std::size_t keys = 0;                          // how many keys were checked
  std::size_t ops = 0;                           // how many operations constrained the search
};

}  // namespace fissure::checker
