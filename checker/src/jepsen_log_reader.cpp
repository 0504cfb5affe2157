// Jepsen's text log, as its jepsen.util logger prints a history:
//   INFO  jepsen.util - 3	:invoke	:cas	[2 4]
// Fields are separated by tabs or spaces. Lines of non-client processes (:nemesis) are no
// operations of the register and are skipped.
#include <fmt/format.h>

#include <charconv>
#include <sstream>
#include <vector>

#include "fissure/checker/history_builder.hpp"
#include "fissure/checker/history_error.hpp"
#include "fissure/checker/load_history.hpp"

namespace fissure::checker {

namespace {

std::vector<std::string> fields(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream is(line);
  for (std::string w; is >> w;) out.push_back(w);
  return out;
}

std::optional<std::int64_t> integer(std::string_view s) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

Value jepsen_value(const std::string& s) {
  if (s == "nil") return std::nullopt;
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') return s.substr(1, s.size() - 2);
  return s;
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
      fail("line", "not a Jepsen history line (LEVEL LOGGER - PROCESS :TYPE :F VALUE, e.g. "
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
    const std::string& type = w[4];
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
    const std::string& f = w[5];
    if (f == ":read")
      e.f = OpFunction::Read;
    else if (f == ":write")
      e.f = OpFunction::Write;
    else if (f == ":cas")
      e.f = OpFunction::Cas;
    else
      fail("f", fmt::format("'{}' is not :read, :write or :cas (the checker knows registers)", f));
    std::string value;
    for (std::size_t i = 6; i < w.size(); ++i) value += (value.empty() ? "" : " ") + w[i];
    // Keywords such as :timed-out say why an op failed or is unknown; they are no value.
    if (!value.empty() && !value.starts_with(":")) {
      if (e.f == OpFunction::Cas) {
        auto parts = value.size() >= 2 && value.front() == '[' && value.back() == ']'
                         ? fields(value.substr(1, value.size() - 2))
                         : std::vector<std::string>{};
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
