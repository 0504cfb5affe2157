#include "fissure/checker/history.hpp"

#include <fmt/format.h>

namespace fissure::checker {

std::string History::when(std::int64_t t) const {
  if (!timed) return fmt::format("line {}", t);
  double s = static_cast<double>(t - origin) / 1e9;
  return fmt::format("{:.3f} s", s);
}

std::map<std::string, std::vector<std::size_t>> History::by_key() const {
  std::map<std::string, std::vector<std::size_t>> keys;
  for (std::size_t i = 0; i < ops.size(); ++i) keys[ops[i].key].push_back(i);
  return keys;
}

}  // namespace fissure::checker
