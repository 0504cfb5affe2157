#include "shrink.hpp"

#include <set>

namespace fissure::checker {

namespace {

// The value an op needs the register to hold when it takes effect, if any.
const Value* needs(const Operation& o) {
  if (o.f == OpFunction::Read || o.f == OpFunction::Cas) return &o.value;
  return nullptr;
}

// The value an op leaves in the register.
const Value* sets(const Operation& o) {
  if (o.f == OpFunction::Write) return &o.value;
  if (o.f == OpFunction::Cas) return &o.new_value;
  return nullptr;
}

class Shrinker {
 public:
  Shrinker(const std::vector<const Operation*>& all, const SearchLimits& limits)
      : limits_(limits) {
    for (const Operation* o : all)
      if (const Value* v = sets(*o)) written_.insert(*v);
  }

  bool out_of_time() const { return std::chrono::steady_clock::now() > limits_.deadline; }

  // Still not linearizable, and every needed value that the whole set could supply is still
  // supplied by some op in `ops`.
  bool keeps(const std::vector<const Operation*>& ops) const {
    std::set<Value> have;
    for (const Operation* o : ops)
      if (const Value* v = sets(*o)) have.insert(*v);
    for (const Operation* o : ops) {
      const Value* v = needs(*o);
      if (v && v->has_value() && written_.count(*v) && !have.count(*v)) return false;
    }
    SearchOutcome r = search_operations(ops, limits_);
    if (r == SearchOutcome::OutOfTime || r == SearchOutcome::OutOfMemory) inconclusive_ = true;
    return r == SearchOutcome::NotLinearizable;
  }

  bool inconclusive() const { return inconclusive_; }

 private:
  SearchLimits limits_;
  std::set<Value> written_;
  mutable bool inconclusive_ = false;  // some candidate's search ran out of budget
};

std::vector<const Operation*> without(const std::vector<const Operation*>& ops, std::size_t from,
                                      std::size_t count) {
  std::vector<const Operation*> out(ops.begin(), ops.begin() + static_cast<std::ptrdiff_t>(from));
  out.insert(out.end(), ops.begin() + static_cast<std::ptrdiff_t>(from + count), ops.end());
  return out;
}

}  // namespace

std::vector<const Operation*> shrink(const std::vector<const Operation*>& ops,
                                     const SearchLimits& limits, bool& minimal) {
  Shrinker s(ops, limits);
  std::vector<const Operation*> core = ops;
  minimal = false;
  for (std::size_t chunk = std::max<std::size_t>(core.size() / 2, 1);; chunk /= 2) {
    bool removed = true;
    // With chunks of one, go round until no single op can go: removing one can free another.
    while (removed) {
      removed = false;
      for (std::size_t i = 0; i < core.size() && core.size() > 1;) {
        if (s.out_of_time()) return core;
        std::size_t n = std::min(chunk, core.size() - i);
        auto candidate = without(core, i, n);
        if (s.keeps(candidate)) {
          core = std::move(candidate);
          removed = true;
        } else {
          i += n;
        }
      }
      if (chunk > 1) break;
    }
    if (chunk == 1) break;
  }
  minimal = !s.inconclusive();
  return core;
}

}  // namespace fissure::checker
