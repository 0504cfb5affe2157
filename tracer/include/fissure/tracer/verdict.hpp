// What a run's judge said: its kind (good, bug, hang, start failure), and for a failure what
// broke (its class).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace fissure {

enum class VerdictKind { Good, Bug, Hang, StartFailed };
std::string_view to_string(VerdictKind v);
std::optional<VerdictKind> verdict_kind_from_string(std::string_view s);

// What broke in a failed run, as a database engineer would sort it: a wrong answer (the
// oracle or history checker found a violation, or a workload reported one by its exit
// code), no answer in time (a hang past the timeout), or a node that died of a signal
// fissure did not send. None for good runs and start failures.
enum class VerdictClass { None, Safety, Liveness, Crash };
// "", "safety", "liveness", "crash": the names in run.json, checkpoints and summary.json.
std::string_view to_string(VerdictClass c);
std::optional<VerdictClass> verdict_class_from_string(std::string_view s);
// The class a run.json or checkpoint written before classes existed stands for: a hang is a
// liveness failure, any other bug was a wrong answer.
VerdictClass legacy_class(VerdictKind kind);

struct Verdict {
  VerdictKind kind = VerdictKind::Good;
  std::string message;
  VerdictClass cls = VerdictClass::None;

  static Verdict good(std::string message) {
    return {VerdictKind::Good, std::move(message), VerdictClass::None};
  }
  // A failure of class `c`: a hang for liveness, a bug otherwise.
  static Verdict failure(VerdictClass c, std::string message) {
    return {c == VerdictClass::Liveness ? VerdictKind::Hang : VerdictKind::Bug, std::move(message),
            c};
  }
};

}  // namespace fissure
