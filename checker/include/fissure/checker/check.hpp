// The linearizability checker for registers (read, write, cas), each key on its own
// (linearizability is compositional: a history is linearizable iff each key's is).
#pragma once

#include "fissure/checker/budget.hpp"
#include "fissure/checker/check_result.hpp"
#include "fissure/checker/history.hpp"

namespace fissure::checker {

// The Wing-Gong-Lowe search with memoized (linearized set, state) pairs, as Porcupine does.
// Fail ops and reads that did not return are left out; info ops may take effect at any
// point after their invocation, or never. A counterexample comes with a non-linearizable
// result, shrunk within what is left of the budget (unless `counterexample` is false: then
// only the verdict, as when timing the search alone).
CheckResult check_linearizable_register(const History& h, const Budget& budget = {},
                                        bool counterexample = true);

// The checker names `[oracle] checker` accepts.
inline constexpr const char* kLinearizableRegister = "linearizable-register";

}  // namespace fissure::checker
