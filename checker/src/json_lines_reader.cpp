// Our JSON lines, parsed a line at a time with the rapidjson that cereal's JSON archive uses
// (cereal's header configures it: assertions throw instead of aborting).
#include <fmt/format.h>
#include <rapidjson/error/en.h>

#include <cereal/archives/json.hpp>

#include "fissure/checker/history_builder.hpp"
#include "fissure/checker/history_error.hpp"
#include "fissure/checker/load_history.hpp"

namespace fissure::checker {

namespace {

class LineReader {
 public:
  LineReader(const std::string& source, std::size_t line) : source_(source), line_(line) {}

  [[noreturn]] void fail(std::string_view field, const std::string& problem) const {
    throw HistoryError(fmt::format("{}:{}: {}: {}", source_, line_, field, problem));
  }

  // An integer or a string, as canonical text; null is nullopt.
  Value scalar(const rapidjson::Value& v, std::string_view field) const {
    if (v.IsNull()) return std::nullopt;
    if (v.IsString()) return std::string(v.GetString(), v.GetStringLength());
    if (v.IsInt64()) return std::to_string(v.GetInt64());
    if (v.IsUint64()) return std::to_string(v.GetUint64());
    fail(field, "must be an integer, a string or null");
  }

  HistoryEvent event(const rapidjson::Document& d) const {
    if (!d.IsObject())
      fail("line",
           "must be a JSON object such as {\"process\": 3, \"type\": \"invoke\", "
           "\"f\": \"write\", \"value\": 4, \"time\": 1200000}");
    HistoryEvent e;
    e.line = line_;
    auto member = [&](const char* name) -> const rapidjson::Value* {
      auto it = d.FindMember(name);
      return it == d.MemberEnd() ? nullptr : &it->value;
    };
    const rapidjson::Value* p = member("process");
    if (!p) fail("process", "missing (required)");
    if (!p->IsInt64()) fail("process", "must be an integer");
    e.process = p->GetInt64();

    const rapidjson::Value* t = member("type");
    if (!t) fail("type", "missing (required)");
    std::string type = t->IsString() ? t->GetString() : "";
    if (type == "invoke")
      e.type = HistoryEvent::Type::Invoke;
    else if (type == "ok")
      e.type = HistoryEvent::Type::Ok;
    else if (type == "fail")
      e.type = HistoryEvent::Type::Fail;
    else if (type == "info")
      e.type = HistoryEvent::Type::Info;
    else
      fail("type", "must be \"invoke\", \"ok\", \"fail\" or \"info\"");

    const rapidjson::Value* f = member("f");
    if (!f) fail("f", "missing (required)");
    std::string fn = f->IsString() ? f->GetString() : "";
    if (fn == "read")
      e.f = OpFunction::Read;
    else if (fn == "write")
      e.f = OpFunction::Write;
    else if (fn == "cas")
      e.f = OpFunction::Cas;
    else
      fail("f", fmt::format("{} is not \"read\", \"write\" or \"cas\" (the checker knows "
                            "registers)",
                            f->IsString() ? "'" + fn + "'" : std::string("a non-string")));

    if (const rapidjson::Value* k = member("key")) {
      Value key = scalar(*k, "key");
      if (!key) fail("key", "must be a string or an integer (leave it out for one register)");
      e.key = *key;
    }

    if (const rapidjson::Value* v = member("value")) {
      if (e.f == OpFunction::Cas) {
        // A completion may repeat the arguments or leave them out; only an invocation's count.
        if (!v->IsNull() || e.type == HistoryEvent::Type::Invoke) {
          if (!v->IsArray() || v->Size() != 2)
            fail("value", "a cas's value must be [expected, new]");
          e.value = scalar((*v)[0], "value[0]");
          e.new_value = scalar((*v)[1], "value[1]");
          e.has_value = true;
        }
      } else {
        e.value = scalar(*v, "value");
        e.has_value = e.f != OpFunction::Write || e.value.has_value();
      }
    }

    const rapidjson::Value* time = member("time");
    if (!time) fail("time", "missing (required): nanoseconds, e.g. from CLOCK_MONOTONIC");
    if (!time->IsInt64()) fail("time", "must be an integer (nanoseconds)");
    e.time = time->GetInt64();
    return e;
  }

 private:
  const std::string& source_;
  std::size_t line_;
};

}  // namespace

History read_json_lines(std::istream& in, const std::string& source) {
  HistoryBuilder b(source, true);
  std::string text;
  for (std::size_t line = 1; std::getline(in, text); ++line) {
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    rapidjson::Document d;
    d.Parse(text.c_str(), text.size());
    LineReader r(source, line);
    // A workload killed mid-write leaves a last line without its newline: that event was
    // never recorded whole, so the op it would have completed stays pending (info).
    if (d.HasParseError() && in.eof()) break;
    if (d.HasParseError())
      r.fail("json",
             fmt::format("{} (at column {})", rapidjson::GetParseError_En(d.GetParseError()),
                         d.GetErrorOffset() + 1));
    b.add(r.event(d));
  }
  if (in.bad()) throw HistoryError(fmt::format("{}: read error", source));
  return b.finish();
}

}  // namespace fissure::checker
