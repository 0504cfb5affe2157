#include "fissure/tracer/verdict.hpp"

namespace fissure {

std::string_view to_string(VerdictKind v) {
  switch (v) {
    case VerdictKind::Good:
      return "good";
    case VerdictKind::Bug:
      return "bug";
    case VerdictKind::Hang:
      return "hang";
    case VerdictKind::StartFailed:
      return "start-failed";
  }
  return "?";
}

std::optional<VerdictKind> verdict_kind_from_string(std::string_view s) {
  for (VerdictKind v :
       {VerdictKind::Good, VerdictKind::Bug, VerdictKind::Hang, VerdictKind::StartFailed})
    if (to_string(v) == s) return v;
  return std::nullopt;
}

std::string_view to_string(VerdictClass c) {
  switch (c) {
    case VerdictClass::None:
      return "";
    case VerdictClass::Safety:
      return "safety";
    case VerdictClass::Liveness:
      return "liveness";
    case VerdictClass::Crash:
      return "crash";
  }
  return "?";
}

std::optional<VerdictClass> verdict_class_from_string(std::string_view s) {
  for (VerdictClass c :
       {VerdictClass::None, VerdictClass::Safety, VerdictClass::Liveness, VerdictClass::Crash})
    if (to_string(c) == s) return c;
  return std::nullopt;
}

VerdictClass legacy_class(VerdictKind kind) {
  switch (kind) {
    case VerdictKind::Bug:
      return VerdictClass::Safety;
    case VerdictKind::Hang:
      return VerdictClass::Liveness;
    case VerdictKind::Good:
    case VerdictKind::StartFailed:
      return VerdictClass::None;
  }
  return VerdictClass::None;
}

}  // namespace fissure
