// Text made safe inside XML and HTML, in element content and in double-quoted attributes.
// The checker's timeline and the explorer's report and space-time diagram all write it.
#pragma once

#include <string>
#include <string_view>

namespace fissure {

std::string xml_escape(std::string_view s);

}  // namespace fissure
