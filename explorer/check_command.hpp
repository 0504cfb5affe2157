// `fissure check FILE...`: judges history files with the linearizability checker.
#pragma once

#include <string>
#include <vector>

namespace fissure {

// Prints one line a file (then the counterexample of each non-linearizable one) and returns
// the exit status: 0 all linearizable, 1 any not, 3 any unknown (and none not), 2 an error.
// `svg_dir`, when not empty, gets a timeline SVG for each non-linearizable file.
int check_histories(const std::vector<std::string>& files, long budget_ms,
                    const std::string& svg_dir);

}  // namespace fissure
