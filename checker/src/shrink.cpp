#include "shrink.hpp"

#include <limits>

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
  Shrinker(const std::vector<const Operation*>& ops, const SearchLimits& limits)
      : search_ops_(search_ops(ops)), limits_(limits), writers_(ops.size()) {
    constexpr auto kNever = std::numeric_limits<std::int64_t>::max();
    for (std::size_t x = 0; x < ops.size(); ++x) {
      const Value* v = needs(*ops[x]);
      if (!v) continue;
      // An info op may take effect at the very end, after every write.
      std::int64_t until =
          ops[x]->outcome == OpOutcome::Ok ? ops[x]->complete_time.value_or(kNever) : kNever;
      for (std::size_t w = 0; w < ops.size(); ++w)
        if (w != x && sets(*ops[w]) && *sets(*ops[w]) == *v && ops[w]->invoke_time <= until)
          writers_[x].push_back(w);
    }
  }

  bool out_of_time() const { return std::chrono::steady_clock::now() > limits_.deadline; }
  bool inconclusive() const { return inconclusive_; }

  // Drops from `in` every op that could have seen a write no longer in it, until none is
  // left (dropping a cas can orphan more).
  void close(std::vector<char>& in) const {
    for (bool changed = true; changed;) {
      changed = false;
      for (std::size_t x = 0; x < in.size(); ++x) {
        if (!in[x]) continue;
        for (std::size_t w : writers_[x])
          if (!in[w]) {
            in[x] = 0;
            changed = true;
            break;
          }
      }
    }
  }

  bool not_linearizable(const std::vector<char>& in) const {
    std::vector<SearchOp> subset;
    for (std::size_t i = 0; i < in.size(); ++i)
      if (in[i]) subset.push_back(search_ops_[i]);
    if (subset.empty()) return false;
    SearchOutcome r = search_register(subset, limits_);
    if (r == SearchOutcome::OutOfTime || r == SearchOutcome::OutOfMemory) inconclusive_ = true;
    return r == SearchOutcome::NotLinearizable;
  }

 private:
  std::vector<SearchOp> search_ops_;  // ops, interned once for every candidate
  SearchLimits limits_;
  std::vector<std::vector<std::size_t>> writers_;  // op -> the ops whose write it could see
  mutable bool inconclusive_ = false;              // some candidate's search ran out of budget
};

}  // namespace

std::vector<const Operation*> shrink(const std::vector<const Operation*>& ops,
                                     const SearchLimits& limits, bool& minimal) {
  Shrinker s(ops, limits);
  std::vector<char> in(ops.size(), 1);
  auto result = [&] {
    std::vector<const Operation*> out;
    for (std::size_t i = 0; i < ops.size(); ++i)
      if (in[i]) out.push_back(ops[i]);
    return out;
  };
  minimal = false;
  for (std::size_t chunk = std::max<std::size_t>(ops.size() / 2, 1);; chunk /= 2) {
    // With chunks of one, go round until no single op can go: removing one can free another.
    for (bool removed = true; removed;) {
      removed = false;
      std::vector<std::size_t> members;
      for (std::size_t i = 0; i < in.size(); ++i)
        if (in[i]) members.push_back(i);
      for (std::size_t at = 0; at < members.size(); at += chunk) {
        if (s.out_of_time()) return result();
        std::vector<char> candidate = in;
        bool any = false;
        for (std::size_t k = at; k < std::min(at + chunk, members.size()); ++k) {
          any = any || candidate[members[k]];
          candidate[members[k]] = 0;
        }
        if (!any) continue;  // already gone with an earlier chunk's writes
        s.close(candidate);
        if (s.not_linearizable(candidate)) {
          in = std::move(candidate);
          removed = true;
        }
      }
      if (chunk > 1) break;
    }
    if (chunk == 1) break;
  }
  minimal = !s.inconclusive();
  return result();
}

}  // namespace fissure::checker
