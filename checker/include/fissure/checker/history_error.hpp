#pragma once

#include <stdexcept>

namespace fissure::checker {

// A history file that cannot be read or makes no sense. what() reads
// "FILE:LINE: FIELD: problem", or "FILE: problem" for the file as a whole.
class HistoryError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace fissure::checker
