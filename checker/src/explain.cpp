#include "explain.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

namespace fissure::checker {

namespace {

constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();

const Value* sets(const Operation& o) {
  if (o.f == OpFunction::Write) return &o.value;
  if (o.f == OpFunction::Cas) return &o.new_value;
  return nullptr;
}

// When an op is certainly over: an info op may still take effect at the very end.
std::int64_t done(const Operation& o) {
  return o.outcome == OpOutcome::Ok ? o.complete_time.value_or(kNever) : kNever;
}

std::string what_it_saw(const Operation& r) {
  if (r.f == OpFunction::Read) return fmt::format("saw {}", value_text(r.value));
  return fmt::format("succeeded as if the register held {}", value_text(r.value));
}

// "write of 3", "cas 1→4", "read".
std::string phrase(const Operation& o) {
  if (o.f == OpFunction::Write) return "write of " + value_text(o.value);
  if (o.f == OpFunction::Read) return "read";
  return o.describe();
}

// "read, invoked at 1.500 s by process 2,"
std::string reader(const History& h, const Operation& r) {
  return fmt::format("{}, invoked at {} by process {},", phrase(r), h.when(r.invoke_time),
                     r.process);
}

}  // namespace

namespace {

constexpr std::int64_t kBeginning = std::numeric_limits<std::int64_t>::min();

// What may have put a value in the register for a reader: an op that sets it, or (for null)
// the register's beginning.
struct Source {
  const Operation* op = nullptr;  // nullptr: the initial null
  std::int64_t invoke = kBeginning;
  std::int64_t done = kBeginning;
};

class Explainer {
 public:
  Explainer(const History& h, const std::vector<const Operation*>& core,
            const std::vector<const Operation*>& all)
      : h_(h), core_(core), all_(all) {}

  // Every op of the key that sets r's value and was invoked before r returned.
  std::vector<Source> sources(const Operation& r) const {
    std::vector<Source> out;
    if (!r.value) out.push_back({});
    for (const Operation* o : all_)
      if (o != &r && sets(*o) && *sets(*o) == r.value && o->invoke_time < *r.complete_time)
        out.push_back({o, o->invoke_time, done(*o)});
    return out;
  }

  // An acknowledged write of another value, invoked after `s` ended and over before `r`
  // began: `s` cannot be what `r` saw. The latest such write, or nullptr.
  const Operation* overwriter(const Source& s, const Operation& r) const {
    const Operation* best = nullptr;
    for (const Operation* w : core_) {
      if (w == &r || w->outcome != OpOutcome::Ok || !sets(*w) || *sets(*w) == r.value) continue;
      if (s.done < w->invoke_time && done(*w) < r.invoke_time && (!best || done(*w) > done(*best)))
        best = w;
    }
    return best;
  }

  // The sources r could have seen: those no acknowledged write certainly replaced first.
  std::vector<Source> viable(const Operation& r) const {
    std::vector<Source> out;
    for (const Source& s : sources(r))
      if (!overwriter(s, r)) out.push_back(s);
    return out;
  }

 private:
  const History& h_;
  const std::vector<const Operation*>& core_;
  const std::vector<const Operation*>& all_;
};

bool reads(const Operation& o) {
  return o.outcome == OpOutcome::Ok && (o.f == OpFunction::Read || o.f == OpFunction::Cas);
}

}  // namespace

std::string explain(const History& h, const std::string& key,
                    const std::vector<const Operation*>& core,
                    const std::vector<const Operation*>& all,
                    const std::vector<const Operation*>& failed, const Operation** lost) {
  std::string on = key.empty() ? "" : fmt::format("on key '{}', ", key);
  Explainer x(h, core, all);
  for (const Operation* r : core) {
    if (!reads(*r)) continue;
    const Value& v = r->value;
    bool any_source = !v;
    for (const Operation* o : all)
      any_source = any_source || (o != r && sets(*o) && *sets(*o) == v);
    if (!any_source) {
      std::string why;
      for (const Operation* f : failed)
        if (sets(*f) && *sets(*f) == v) {
          why = fmt::format(" (the {} invoked at {} by process {} failed)", phrase(*f),
                            h.when(f->invoke_time), f->process);
          break;
        }
      return fmt::format(
          "not linearizable: {}a {} {}, but no operation that may have happened wrote {}{}", on,
          reader(h, *r), what_it_saw(*r), *v, why);
    }
    std::vector<Source> sources = x.sources(*r);
    if (sources.empty())
      return fmt::format("not linearizable: {}a {} {} before any write of {} began", on,
                         reader(h, *r), what_it_saw(*r), *v);
    if (!x.viable(*r).empty()) continue;
    // A stale value: every write of v it could have seen was replaced before it began. Told
    // with the write that replaced the last of them.
    const Source* last = &sources.front();
    for (const Source& s : sources)
      if (s.done > last->done) last = &s;
    const Operation& w = *x.overwriter(*last, *r);
    bool alone = true;  // w alone replaced every one of them
    for (const Source& s : sources) alone = alone && s.done < w.invoke_time;
    if (lost) *lost = &w;
    return fmt::format("not linearizable: {}the {} acknowledged at {}, but a later {} {}{}", on,
                       phrase(w), h.when(*w.complete_time), reader(h, *r), what_it_saw(*r),
                       alone ? ""
                             : fmt::format(" (every other write of {} it could have seen was "
                                           "replaced before it too)",
                                           value_text(v)));
  }
  // An older value back: r2 began after r1 returned, yet every write r2 could have seen
  // ended before any write r1 could have seen began.
  for (const Operation* r1 : core) {
    if (!reads(*r1)) continue;
    std::vector<Source> s1 = x.viable(*r1);
    for (const Operation* r2 : core) {
      if (!reads(*r2) || r2->value == r1->value || r2->invoke_time <= *r1->complete_time) continue;
      std::vector<Source> s2 = x.viable(*r2);
      if (s1.empty() || s2.empty()) continue;
      std::int64_t first_1 = s1.front().invoke, last_2 = s2.front().done;
      for (const Source& s : s1) first_1 = std::min(first_1, s.invoke);
      for (const Source& s : s2) last_2 = std::max(last_2, s.done);
      if (last_2 >= first_1) continue;
      std::string older =
          s2.size() == 1 && s2.front().op ? fmt::format("the {} it could have seen ended at {}",
                                                        phrase(*s2.front().op), h.when(last_2))
          : s2.size() == 1                ? std::string("nothing had written it yet")
                           : fmt::format("every write of {} it could have seen ended by {}",
                                         value_text(r2->value), h.when(last_2));
      return fmt::format(
          "not linearizable: {}a {} {}, then a later {} {}, an older value: {}, before any "
          "write of {} the first could have seen began",
          on, reader(h, *r1), what_it_saw(*r1), reader(h, *r2), what_it_saw(*r2), older,
          value_text(r1->value));
    }
  }
  return fmt::format(
      "not linearizable: {}no order of these {} operations agrees with what they returned", on,
      core.size());
}

}  // namespace fissure::checker
