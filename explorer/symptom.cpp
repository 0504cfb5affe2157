#include "symptom.hpp"

#include <fmt/format.h>

namespace fissure {

std::string symptom_key(const Verdict& v) {
  std::string msg;
  bool in_number = false;
  for (char c : v.message) {
    bool digit = c >= '0' && c <= '9';
    if (digit && !in_number) msg += '#';
    if (!digit) msg += c;
    in_number = digit;
  }
  return fmt::format("{}: {}", to_string(v.kind), msg);
}

std::string symptom_title(VerdictClass c, const std::string& message) {
  constexpr std::size_t kMax = 200;
  std::string label;
  switch (c) {
    case VerdictClass::Safety:
      label = "Safety";
      break;
    case VerdictClass::Liveness:
      label = "Liveness";
      break;
    case VerdictClass::Crash:
      label = "Crash";
      break;
    case VerdictClass::None:
      label = "Failure";
      break;
  }
  std::string first = message.substr(0, message.find('\n'));
  while (!first.empty() && (first.back() == ' ' || first.back() == '\r')) first.pop_back();
  if (first.empty()) return label + ": (no message)";
  bool cut = first.size() > kMax || first.size() < message.find_last_not_of(" \n\r") + 1;
  if (first.size() > kMax) first.resize(kMax);
  return fmt::format("{}: {}{}", label, first, cut ? " ..." : "");
}

}  // namespace fissure
