// A send's first bytes (Event::head) as people read them in a diagram or a sentence.
#pragma once

#include <cstddef>
#include <string>

#include "fissure/tracer/trace.hpp"

namespace fissure {

// The bytes the send moved, at most `max` characters: line ends end it (a reply's first
// line is what tells it apart), other control bytes become '.', and nothing is escaped for
// any markup. Empty when the trace kept no bytes.
std::string payload_text(const Event& e, std::size_t max = kEventHeadBytes);

}  // namespace fissure
