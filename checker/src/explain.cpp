#include "explain.hpp"

#include <fmt/format.h>

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

std::string explain(const History& h, const std::string& key,
                    const std::vector<const Operation*>& core,
                    const std::vector<const Operation*>& all,
                    const std::vector<const Operation*>& failed) {
  std::string on = key.empty() ? "" : fmt::format("on key '{}', ", key);
  for (const Operation* r : core) {
    if (r->outcome != OpOutcome::Ok || r->f == OpFunction::Write) continue;
    const Value& v = r->value;
    // Who could have put v in the register: any op that sets it and may have happened.
    // Only one invoked before the read returned can be what it saw.
    std::vector<const Operation*> sources;
    bool any_source = false;
    for (const Operation* o : all)
      if (o != r && sets(*o) && *sets(*o) == v) {
        any_source = true;
        if (o->invoke_time < *r->complete_time) sources.push_back(o);
      }
    if (v && !any_source) {
      std::string why;
      for (const Operation* f : failed)
        if (sets(*f) && *sets(*f) == v) {
          why = fmt::format(" (the {} invoked at {} by process {} failed)", phrase(*f),
                            h.when(f->invoke_time), f->process);
          break;
        }
      return fmt::format(
          "not linearizable: {}a {} {}, but no operation that may have happened "
          "wrote {}{}",
          on, reader(h, *r), what_it_saw(*r), *v, why);
    }
    if (v && sources.empty())
      return fmt::format("not linearizable: {}a {} {} before any write of {} began", on,
                         reader(h, *r), what_it_saw(*r), *v);
    // A stale value: an acknowledged write of something else came between every write of v
    // (or the initial null) and the read.
    const Operation* stale_against = nullptr;
    for (const Operation* w : core) {
      if (w == r || w->outcome != OpOutcome::Ok || !sets(*w) || *sets(*w) == v) continue;
      if (done(*w) >= r->invoke_time) continue;
      bool v_before = true;
      for (const Operation* s : sources) v_before = v_before && done(*s) < w->invoke_time;
      if (v_before && (!stale_against || done(*w) > done(*stale_against))) stale_against = w;
    }
    if (stale_against) {
      const Operation& w = *stale_against;
      return fmt::format("not linearizable: {}the {} acknowledged at {}, but a later {} {}", on,
                         phrase(w), h.when(*w.complete_time), reader(h, *r), what_it_saw(*r));
    }
  }
  return fmt::format(
      "not linearizable: {}no order of these {} operations agrees with what they returned", on,
      core.size());
}

}  // namespace fissure::checker
