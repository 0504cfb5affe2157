#include "fissure/checker/history_builder.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "fissure/checker/history_error.hpp"

namespace fissure::checker {

namespace {
std::string type_name(HistoryEvent::Type t) {
  switch (t) {
    case HistoryEvent::Type::Invoke:
      return "invoke";
    case HistoryEvent::Type::Ok:
      return "ok";
    case HistoryEvent::Type::Fail:
      return "fail";
    case HistoryEvent::Type::Info:
      return "info";
  }
  return "?";
}
}  // namespace

HistoryBuilder::HistoryBuilder(std::string source, bool timed) {
  h_.source = std::move(source);
  h_.timed = timed;
}

void HistoryBuilder::fail(const HistoryEvent& e, std::string_view field,
                          const std::string& problem) const {
  throw HistoryError(fmt::format("{}:{}: {}: {}", h_.source, e.line, field, problem));
}

void HistoryBuilder::add(const HistoryEvent& e) {
  h_.origin = any_event_ ? std::min(h_.origin, e.time) : e.time;
  any_event_ = true;
  auto open = pending_.find(e.process);
  if (e.type == HistoryEvent::Type::Invoke) {
    if (open != pending_.end()) {
      const Operation& o = h_.ops[open->second];
      fail(e, "type",
           fmt::format("process {} invokes a {} while its {} from line {} has not completed",
                       e.process, to_string(e.f), to_string(o.f), o.invoke_line));
    }
    if (e.f == OpFunction::Write && !e.has_value)
      fail(e, "value", "a write's invocation needs the value it writes");
    if (e.f == OpFunction::Cas && !e.has_value)
      fail(e, "value", "a cas's invocation needs [expected, new]");
    auto lp = logical_.find(e.process);
    if (lp == logical_.end() || after_info_.erase(e.process))
      lp = logical_.insert_or_assign(e.process, next_logical_++).first;
    Operation op;
    op.process = e.process;
    op.logical = lp->second;
    op.f = e.f;
    op.key = e.key;
    if (e.f != OpFunction::Read) {
      op.value = e.value;
      op.new_value = e.new_value;
    }
    op.invoke_time = e.time;
    op.invoke_line = e.line;
    pending_.emplace(e.process, h_.ops.size());
    h_.ops.push_back(std::move(op));
    return;
  }
  if (open == pending_.end())
    fail(e, "type",
         fmt::format("process {} completes a {} ({}) it never invoked", e.process, to_string(e.f),
                     type_name(e.type)));
  Operation& op = h_.ops[open->second];
  if (op.f != e.f)
    fail(e, "f",
         fmt::format("process {} invoked a {} at line {}, but this completes a {}", e.process,
                     to_string(op.f), op.invoke_line, to_string(e.f)));
  if (op.key != e.key)
    fail(e, "key",
         fmt::format("process {} invoked its {} on key '{}' at line {}, but this completes it on "
                     "key '{}'",
                     e.process, to_string(op.f), op.key, op.invoke_line, e.key));
  if (h_.timed && e.time < op.invoke_time)
    fail(e, "time",
         fmt::format("{} is before the invocation's {} (line {})", e.time, op.invoke_time,
                     op.invoke_line));
  pending_.erase(open);
  op.complete_time = e.time;
  op.complete_line = e.line;
  switch (e.type) {
    case HistoryEvent::Type::Ok:
      op.outcome = OpOutcome::Ok;
      if (op.f == OpFunction::Read) {
        if (!e.has_value)
          fail(e, "value", "an ok read needs the value it read (null when never written)");
        op.value = e.value;
      }
      break;
    case HistoryEvent::Type::Fail:
      op.outcome = OpOutcome::Fail;
      break;
    case HistoryEvent::Type::Info:
      op.outcome = OpOutcome::Info;
      after_info_.insert(e.process);
      break;
    case HistoryEvent::Type::Invoke:
      break;
  }
}

History HistoryBuilder::finish() {
  // Ops still open stay Info with no completion time: they may or may not have happened.
  pending_.clear();
  History out = std::move(h_);
  std::stable_sort(out.ops.begin(), out.ops.end(), [](const Operation& a, const Operation& b) {
    return a.invoke_time < b.invoke_time;
  });
  return out;
}

}  // namespace fissure::checker
