// One operation of a history: an invocation paired with its completion, as Jepsen models
// them. The checker and the counterexample both speak in these.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace fissure::checker {

// A register's value as canonical text (an integer's decimal digits, a string as it is);
// nullopt is null, the value of a register never written.
using Value = std::optional<std::string>;

enum class OpFunction { Read, Write, Cas };

// Ok: it happened and returned what it says. Fail: it certainly did not happen. Info: it
// may or may not have happened (a timeout), so it stays pending to the end of the history.
enum class OpOutcome { Ok, Fail, Info };

struct Operation {
  std::int64_t process = 0;  // as recorded
  // Rows of the timeline: a process that invokes again after an info op is a fresh logical
  // process (Jepsen's rule), since its earlier op may still be in flight.
  std::uint32_t logical = 0;
  OpFunction f = OpFunction::Read;
  std::string key;  // empty: the single register
  Value value;      // read: the value read; write: the value written; cas: the expected value
  Value new_value;  // cas: the value it sets
  OpOutcome outcome = OpOutcome::Info;
  std::int64_t invoke_time = 0;
  std::optional<std::int64_t> complete_time;  // none: the history ended first
  std::size_t invoke_line = 0;
  std::size_t complete_line = 0;  // 0: none

  // "w 3", "r 2", "r nil", "cas 1→4": the label on the timeline.
  std::string label() const;
  // "write 3", "read 2", "cas 1→4".
  std::string describe() const;
  // Reads that did not return constrain nothing, and fail ops did not happen.
  bool constrains() const;
};

std::string to_string(OpFunction f);
std::string to_string(OpOutcome o);
std::string value_text(const Value& v);  // "nil" for null

}  // namespace fissure::checker
