#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "fissure/checker/history.hpp"
#include "fissure/checker/history_event.hpp"

namespace fissure::checker {

// Pairs each invocation with its process's next completion, the same way for every file
// format, and refuses what cannot be paired with the line that says so.
class HistoryBuilder {
 public:
  HistoryBuilder(std::string source, bool timed);
  // Throws HistoryError "SOURCE:LINE: FIELD: problem".
  void add(const HistoryEvent& e);
  // Ops still pending at the end may or may not have happened: they become info ops.
  History finish();

 private:
  [[noreturn]] void fail(const HistoryEvent& e, std::string_view field,
                         const std::string& problem) const;

  History h_;
  bool any_event_ = false;
  std::map<std::int64_t, std::size_t> pending_;    // process -> index of its open op
  std::map<std::int64_t, std::uint32_t> logical_;  // process -> its current logical process
  std::set<std::int64_t> after_info_;              // processes whose last op ended in info
  std::uint32_t next_logical_ = 0;
};

}  // namespace fissure::checker
