// The Wing-Gong-Lowe search over one key's operations, with values interned to integers so
// that a state is one int and a memo entry a few words.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include "fissure/checker/operation.hpp"

namespace fissure::checker {

struct SearchOp {
  OpFunction f = OpFunction::Read;
  bool pending = false;  // info: may take effect any time after `call`, or never
  std::int32_t a = 0;    // read: the value read; write: the value written; cas: expected
  std::int32_t b = 0;    // cas: the value it sets
  std::int64_t call = 0;
  std::int64_t ret = 0;  // ignored when pending
};

enum class SearchOutcome { Linearizable, NotLinearizable, OutOfTime, OutOfMemory };

struct SearchLimits {
  std::chrono::steady_clock::time_point deadline;
  std::size_t memo_entries = 0;
};

// Value 0 is null, the register's initial value.
SearchOutcome search_register(const std::vector<SearchOp>& ops, const SearchLimits& limits);

}  // namespace fissure::checker

namespace fissure::checker {

// The values of `ops` (one key's, each of which constrains) interned, in the same order.
std::vector<SearchOp> search_ops(const std::vector<const Operation*>& ops);
// Interns the values of `ops` and searches them.
SearchOutcome search_operations(const std::vector<const Operation*>& ops,
                                const SearchLimits& limits);

}  // namespace fissure::checker
