// Jepsen's text log, as its jepsen.util logger prints a history:
//   INFO  jepsen.util - 3	:invoke	:cas	[2 4]
// Fields are separated by tabs or spaces. Lines of non-client processes (:nemesis) are no
// operations of the register and are skipped.
#include <fmt/format.h>

#include <charconv>
#include <string_view>
#include <vector>

#include "fissure/checker/history_builder.hpp"
#include "fissure/checker/history_error.hpp"
#include "fissure/checker/load_history.hpp"

namespace fissure::checker {

namespace {

std::vector<std::string_view> fields(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (true) {
    i = line.find_first_not_of(" \t\r", i);
    if (i == std::string_view::npos) break;
    std::size_t end = line.find_first_of(" \t\r", i);
    if (end == std::string_view::npos) end = line.size();
    out.push_back(line.substr(i, end - i));
    i = end;
  }
  return out;
}

std::optional<std::int64_t> integer(std::string_view s) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

Value jepsen_value(std::string_view s) {
  if (s == "nil") return std::nullopt;
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"')
    return std::string(s.substr(1, s.size() - 2));
  return std::string(s);
}

}  // namespace

History read_jepsen_log(std::istream& in, const std::string& source) {
  HistoryBuilder b(source, false);
  std::string text;
  for (std::size_t line = 1; std::getline(in, text); ++line) {
    auto w = fields(text);
    if (w.empty()) continue;
    auto fail = [&](std::string_view field, const std::string& problem) {
      throw HistoryError(fmt::format("{}:{}: {}: {}", source, line, field, problem));
    };
    if (w.size() < 6 || w[2] != "-")
      fail("line",
           "not a Jepsen history line (LEVEL LOGGER - PROCESS :TYPE :F VALUE, e.g. "
           "'INFO  jepsen.util - 3 :invoke :write 4')");
    auto process = integer(w[3]);
    if (!process) {
      if (w[3].starts_with(":")) continue;  // :nemesis and the like
      fail("process", fmt::format("'{}' is not a process number", w[3]));
    }
    HistoryEvent e;
    e.process = *process;
    e.line = line;
    e.time = static_cast<std::int64_t>(line);
    std::string_view type = w[4];
    if (type == ":invoke")
      e.type = HistoryEvent::Type::Invoke;
    else if (type == ":ok")
      e.type = HistoryEvent::Type::Ok;
    else if (type == ":fail")
      e.type = HistoryEvent::Type::Fail;
    else if (type == ":info")
      e.type = HistoryEvent::Type::Info;
    else
      fail("type", fmt::format("'{}' is not :invoke, :ok, :fail or :info", type));
    std::string_view f = w[5];
    if (f == ":read")
      e.f = OpFunction::Read;
    else if (f == ":write")
      e.f = OpFunction::Write;
    else if (f == ":cas")
      e.f = OpFunction::Cas;
    else
      fail("f", fmt::format("'{}' is not :read, :write or :cas (the checker knows registers)", f));
    // The value is the rest of the line: "[2 4]" has a space in it.
    std::string_view value =
        w.size() > 6
            ? std::string_view(w[6].data(), w.back().data() + w.back().size() - w[6].data())
            : std::string_view();
    // Keywords such as :timed-out say why an op failed or is unknown; they are no value.
    if (!value.empty() && !value.starts_with(":")) {
      if (e.f == OpFunction::Cas) {
        auto parts = value.size() >= 2 && value.front() == '[' && value.back() == ']'
                         ? fields(value.substr(1, value.size() - 2))
                         : std::vector<std::string_view>{};
        if (parts.size() != 2) fail("value", fmt::format("'{}' is not [expected new]", value));
        e.value = jepsen_value(parts[0]);
        e.new_value = jepsen_value(parts[1]);
        e.has_value = true;
      } else {
        e.value = jepsen_value(value);
        e.has_value = e.f != OpFunction::Write || e.value.has_value();
      }
    }
    b.add(e);
  }
  if (in.bad()) throw HistoryError(fmt::format("{}: read error", source));
  return b.finish();
}

}  // namespace fissure::checker
