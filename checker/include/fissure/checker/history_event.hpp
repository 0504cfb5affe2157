#pragma once

#include <cstddef>
#include <cstdint>

#include "fissure/checker/operation.hpp"

namespace fissure::checker {

// One line of a history file: an invocation or a completion, before they are paired.
struct HistoryEvent {
  enum class Type { Invoke, Ok, Fail, Info };
  std::int64_t process = 0;
  Type type = Type::Invoke;
  OpFunction f = OpFunction::Read;
  std::string key;
  bool has_value = false;  // the line gave a value (a completion may leave it out)
  Value value;             // see Operation::value
  Value new_value;         // cas: the value it sets
  std::int64_t time = 0;
  std::size_t line = 0;
};

}  // namespace fissure::checker
