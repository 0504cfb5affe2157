// The workload and the oracle shared by the commit targets (2pc, 2pc-ctp, 3pc):
// a coordinator and participants. A participant writes RUN_DIR/prepared-NODE
// when it votes (its prepare record), and every node writes
// RUN_DIR/decide-NODE.log ("commit" or "abort") the moment it decides.
#pragma once

#include <string>
#include <vector>

namespace suite {

// Starts the transaction (the trigger file) and exits once every live node with
// a stake in it has decided: the coordinator always, a participant once it has
// voted (Molly's assertion asks for a decision only once someone prepared). A
// blocked protocol keeps it waiting until the spec's timeout: the run hangs.
int commit_client(const std::vector<std::string>& nodes, const std::string& coordinator);

// Agreement: no two nodes decided differently, crashed ones included (a
// decision taken before a crash still stands). Exit 0 when it holds, 1 and one
// line otherwise.
int commit_check(const std::vector<std::string>& nodes);

std::string decide_file(const std::string& node);
std::string prepared_file(const std::string& node);

}  // namespace suite
