// Reading history files: our JSON lines and Jepsen's text log.
#pragma once

#include <filesystem>
#include <istream>
#include <string>

#include "fissure/checker/history.hpp"

namespace fissure::checker {

// JSON lines, one event an object: {"process": 3, "type": "invoke", "f": "write",
// "key": "k1", "value": 4, "time": 1200000}. Other fields (an "error", say) are ignored.
History read_json_lines(std::istream& in, const std::string& source);
// Jepsen's text log: "INFO  jepsen.util - 3	:invoke	:write	4". Times are line numbers.
History read_jepsen_log(std::istream& in, const std::string& source);
// Either, told apart by the first non-empty line ('{' starts JSON). Throws HistoryError
// for an unreadable file or a bad line, naming FILE:LINE.
History load_history(const std::filesystem::path& file);

}  // namespace fissure::checker
