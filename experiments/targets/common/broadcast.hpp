// The workload and the oracle shared by the broadcast targets (simple-deliv,
// retry-deliv, classic-deliv, redun-deliv, ack-deliv): node "a" broadcasts to
// "b" and "c"; each node writes RUN_DIR/deliver-NODE.log the moment it
// delivers.
#pragma once

#include <string>
#include <vector>

namespace suite {

// Starts the broadcast (the trigger file) and exits once every live node has
// delivered, or after `deadline_ms`: the client never talks to the nodes.
int broadcast_client(const std::vector<std::string>& nodes, int deadline_ms);

// Molly's agreement, with crashed nodes left out: if any live node delivered,
// every live node delivered. Exit 0 when it holds, 1 (and one line saying who
// missed it) otherwise.
int broadcast_check(const std::vector<std::string>& nodes);

std::string deliver_file(const std::string& node);

}  // namespace suite
