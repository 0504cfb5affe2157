#include "fissure/checker/operation.hpp"

#include <fmt/format.h>

namespace fissure::checker {

std::string value_text(const Value& v) {
  return v ? *v : "nil";
}

std::string to_string(OpFunction f) {
  switch (f) {
    case OpFunction::Read:
      return "read";
    case OpFunction::Write:
      return "write";
    case OpFunction::Cas:
      return "cas";
  }
  return "?";
}

std::string to_string(OpOutcome o) {
  switch (o) {
    case OpOutcome::Ok:
      return "ok";
    case OpOutcome::Fail:
      return "fail";
    case OpOutcome::Info:
      return "info";
  }
  return "?";
}

std::string Operation::label() const {
  switch (f) {
    case OpFunction::Read:
      return outcome == OpOutcome::Ok ? "r " + value_text(value) : "r ?";
    case OpFunction::Write:
      return "w " + value_text(value);
    case OpFunction::Cas:
      return fmt::format("cas {}\u2192{}", value_text(value), value_text(new_value));
  }
  return "?";
}

std::string Operation::describe() const {
  switch (f) {
    case OpFunction::Read:
      return outcome == OpOutcome::Ok ? "read " + value_text(value) : "read";
    case OpFunction::Write:
      return "write " + value_text(value);
    case OpFunction::Cas:
      return fmt::format("cas {}\u2192{}", value_text(value), value_text(new_value));
  }
  return "?";
}

bool Operation::constrains() const {
  if (outcome == OpOutcome::Fail) return false;
  return f != OpFunction::Read || outcome == OpOutcome::Ok;
}

}  // namespace fissure::checker
