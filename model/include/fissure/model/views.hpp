// A run for people and tools: Graphviz DOT (a lane per thread, arrows for messages, faults in
// red) and a ShiViz log (each event with its vector clock, for the ShiViz space-time viewer).
#pragma once

#include <iosfwd>
#include <string>

#include "fissure/model/graph.hpp"

namespace fissure {

// One line describing an event, e.g. "sendto 33 bytes (client send->redis #1)".
std::string describe_event(const Trace& t, const Event& e);

// Only the events that communicate (injection points, events on an edge between threads,
// process events) are drawn; each lane keeps their order.
void write_dot(const CommGraph& g, std::ostream& os);

// ShiViz's default parser, which the log's first line names; its second line is empty (no
// delimiter between executions), as ShiViz's "Select a file" expects.
inline constexpr const char* kShivizRegex = R"((?<event>.*)\n(?<host>\S*) (?<clock>{.*}))";
void write_shiviz(const CommGraph& g, std::ostream& os);

}  // namespace fissure
