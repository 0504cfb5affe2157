#include "symptom.hpp"

#include <fmt/format.h>

#include <regex>

namespace fissure {

namespace {

// A node's last output line, as the tracer appends it to its own words ("... exited with 2
// (expected 0): tcp_client: unexpected EOF", "... killed by signal 6 (SIGABRT): assertion
// failed"), is cut: one plan's failure ends with "unexpected EOF" in one run and "read:
// Connection reset by peer" in the next (whether the dead peer's unread bytes made it a
// reset), and bucketing on it split one bug in several, each "flaky", and kept faults in a
// minimized plan. What fissure itself said stays the key, as before last words existed.
std::string without_last_words(const std::string& message) {
  // The tracer's two forms (tracer.cpp, workload_exit_problem and on_task_exit), then the
  // node's line, then maybe an oracle's verdict ("; oracle: ..."), which is kept.
  static const std::regex own(
      R"(((?:workload )?node '[^']*' (?:exited with -?\d+ \(expected -?\d+\)|was killed by )"
      R"(signal \d+(?: \(SIG\w+\))?)): .*?((?:; oracle: [\s\S]*)?))");
  std::smatch m;
  if (!std::regex_match(message, m, own)) return message;
  return m.str(1) + m.str(2);
}

}  // namespace

std::string symptom_key(const Verdict& v) {
  std::string msg;
  bool in_number = false;
  for (char c : without_last_words(v.message)) {
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
