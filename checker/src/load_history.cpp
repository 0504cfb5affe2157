#include "fissure/checker/load_history.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "fissure/checker/history_error.hpp"

namespace fissure::checker {

History load_history(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in)
    throw HistoryError(fmt::format("{}: cannot read: {}", file.string(), std::strerror(errno)));
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec))
    throw HistoryError(fmt::format("{}: is a directory, not a history file", file.string()));
  std::string text;
  bool json = true;
  while (std::getline(in, text)) {
    auto first = text.find_first_not_of(" \t\r");
    if (first == std::string::npos) continue;
    json = text[first] == '{';
    break;
  }
  in.clear();
  in.seekg(0);
  return json ? read_json_lines(in, file.string()) : read_jepsen_log(in, file.string());
}

}  // namespace fissure::checker
