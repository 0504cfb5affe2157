#include "register_search.hpp"

#include <algorithm>
#include <cstring>
#include <map>
#include <string>

namespace fissure::checker {

namespace {

std::uint64_t mix(std::uint64_t x) {  // splitmix64's finalizer
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

// The configurations already explored, which all failed: which ok ops are linearized, the
// state, and which info ops were used. A configuration that used a superset of a failed
// one's info ops (same ok ops, same state) fails too: info ops are optional and never hold
// anything back, so whatever it could still do, the other could. So each (ok set, state)
// keeps the info sets seen with it, and a new one is pruned when it contains one of them.
// Open addressing over keys kept in flat arrays (every bitset of a key has the same size).
class Memo {
 public:
  Memo(std::size_t ok_words, std::size_t info_words) : wo_(ok_words), wi_(info_words) {
    slots_.assign(1024, 0);
  }

  std::size_t size() const { return next_.size(); }  // configurations kept

  // True when the configuration is new (and now remembered); false when it or one it
  // contains was explored before.
  bool insert(const std::uint64_t* ok, const std::uint64_t* info, std::uint64_t hash,
              std::int32_t state) {
    if ((states_.size() + 1) * 2 > slots_.size()) grow();
    std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
      std::uint32_t s = slots_[i];
      if (s == 0) {
        slots_[i] = static_cast<std::uint32_t>(states_.size() + 1);
        hashes_.push_back(hash);
        states_.push_back(state);
        ok_.insert(ok_.end(), ok, ok + wo_);
        head_.push_back(0);
        add_info(states_.size() - 1, info);
        return true;
      }
      std::size_t k = s - 1;
      if (hashes_[k] != hash || states_[k] != state ||
          std::memcmp(&ok_[k * wo_], ok, wo_ * sizeof(std::uint64_t)) != 0)
        continue;
      for (std::uint32_t j = head_[k]; j != 0; j = next_[j - 1]) {
        const std::uint64_t* seen = &info_[(j - 1) * wi_];
        bool subset = true;
        for (std::size_t w = 0; w < wi_ && subset; ++w) subset = (seen[w] & ~info[w]) == 0;
        if (subset) return false;
      }
      add_info(k, info);
      return true;
    }
  }

 private:
  void add_info(std::size_t key, const std::uint64_t* info) {
    info_.insert(info_.end(), info, info + wi_);
    next_.push_back(head_[key]);
    head_[key] = static_cast<std::uint32_t>(next_.size());
  }

  void grow() {
    std::vector<std::uint32_t> slots(slots_.size() * 2, 0);
    std::size_t mask = slots.size() - 1;
    for (std::size_t e = 0; e < states_.size(); ++e) {
      std::size_t i = hashes_[e] & mask;
      while (slots[i] != 0) i = (i + 1) & mask;
      slots[i] = static_cast<std::uint32_t>(e + 1);
    }
    slots_.swap(slots);
  }

  std::size_t wo_, wi_;
  std::vector<std::uint32_t> slots_;   // 0: empty; else key + 1
  std::vector<std::uint64_t> hashes_;  // per key
  std::vector<std::int32_t> states_;   // per key
  std::vector<std::uint64_t> ok_;      // per key: wo_ words
  std::vector<std::uint32_t> head_;    // per key: its first info set + 1
  std::vector<std::uint64_t> info_;    // per info set: wi_ words
  std::vector<std::uint32_t> next_;    // per info set: the key's next one + 1
};

// Whether `o` can take effect in state `s`, and the state after it. An info cas whose
// comparison fails changes nothing, the same as never happening, so it is not tried.
inline bool step(const SearchOp& o, std::int32_t s, std::int32_t& next) {
  switch (o.f) {
    case OpFunction::Read:
      next = s;
      return s == o.a;
    case OpFunction::Write:
      next = o.a;
      return true;
    case OpFunction::Cas:
      next = o.b;
      return s == o.a;
  }
  return false;
}

}  // namespace

SearchOutcome search_register(const std::vector<SearchOp>& ops, const SearchLimits& limits) {
  const std::size_t n = ops.size();
  if (n == 0) return SearchOutcome::Linearizable;

  // The events in time order, calls before returns at the same time (so ops that touch are
  // concurrent: the permissive reading). Info ops have no return: they never force anything.
  struct Ev {
    std::int64_t time;
    bool ret;
    std::uint32_t op;
  };
  std::vector<Ev> evs;
  evs.reserve(2 * n);
  for (std::uint32_t i = 0; i < n; ++i) {
    evs.push_back({ops[i].call, false, i});
    if (!ops[i].pending) evs.push_back({ops[i].ret, true, i});
  }
  std::sort(evs.begin(), evs.end(), [](const Ev& x, const Ev& y) {
    if (x.time != y.time) return x.time < y.time;
    if (x.ret != y.ret) return !x.ret;
    return x.op < y.op;
  });

  // A doubly linked list over the events: 0 is the head, evs.size() + 1 the tail. Linearizing
  // an op takes its call and return out; backtracking puts them back (dancing links).
  const auto E = static_cast<std::int32_t>(evs.size());
  const std::int32_t head = 0, tail = E + 1;
  std::vector<std::int32_t> next(E + 2), prev(E + 2), match(E + 2, -1);
  std::vector<std::uint32_t> op_of(E + 2, 0);
  std::vector<char> is_call(E + 2, 0);
  std::vector<std::int32_t> ret_entry(n, -1);
  for (std::int32_t i = 0; i < E; ++i) {
    const Ev& ev = evs[static_cast<std::size_t>(i)];
    op_of[i + 1] = ev.op;
    is_call[i + 1] = !ev.ret;
    if (ev.ret) ret_entry[ev.op] = i + 1;
  }
  for (std::int32_t i = 1; i <= E; ++i)
    if (is_call[i]) match[i] = ret_entry[op_of[i]];
  for (std::int32_t i = 0; i <= E; ++i) {
    next[i] = i + 1;
    prev[i + 1] = i;
  }
  auto unlink = [&](std::int32_t e) {
    next[prev[e]] = next[e];
    prev[next[e]] = prev[e];
  };
  auto relink = [&](std::int32_t e) {
    next[prev[e]] = e;
    prev[next[e]] = e;
  };

  // Zobrist hashing: the linearized set's hash is the xor of its ops' keys, kept as it changes.
  // Ok ops and info ops have bits of their own: the memo compares info sets by inclusion.
  std::vector<std::uint32_t> bit(n);
  std::size_t n_ok = 0, n_info = 0;
  for (std::size_t i = 0; i < n; ++i)
    bit[i] = static_cast<std::uint32_t>(ops[i].pending ? n_info++ : n_ok++);
  std::vector<std::uint64_t> zobrist(n);
  for (std::size_t i = 0; i < n; ++i) zobrist[i] = mix(0x9e3779b97f4a7c15ULL * (i + 1));
  const std::size_t ok_words = (n_ok + 63) / 64, info_words = (n_info + 63) / 64;
  std::vector<std::uint64_t> ok_bits(ok_words + 1, 0), info_bits(info_words + 1, 0);
  std::uint64_t set_hash = 0;  // of the ok set
  Memo memo(ok_words, info_words);
  auto toggle = [&](std::uint32_t id) {
    std::uint32_t b = bit[id];
    if (ops[id].pending) {
      info_bits[b / 64] ^= 1ULL << (b % 64);
    } else {
      ok_bits[b / 64] ^= 1ULL << (b % 64);
      set_hash ^= zobrist[id];
    }
  };

  // A read that can go now is linearized now, with no alternative tried: it changes nothing,
  // and nothing unlinearized must precede it (its call comes before every pending return),
  // so any order from here can be rearranged to start with it. Its frame is `forced`: when
  // what follows it fails, so does the configuration it was taken in.
  //
  // An info write (or cas) is only worth taking effect right before an op that sees its
  // value: if a write came next instead, the order without the info op says the same. So
  // after one, `observe` is set and the next op may not be a write (any read or cas that
  // can go then sees the value). The flag is part of the memoized state.
  struct Frame {
    std::int32_t entry;
    std::int32_t state;
    bool forced;
  };
  std::vector<Frame> stack;
  stack.reserve(n);
  std::int32_t state = 0;  // (value << 1) | observe
  std::int32_t entry = next[head];
  std::uint32_t tick = 0;
  // Undoes choices back to the last one that has an alternative; false when none is left.
  auto backtrack = [&]() {
    for (;;) {
      if (stack.empty()) return false;
      Frame f = stack.back();
      stack.pop_back();
      state = f.state;
      toggle(op_of[f.entry]);
      if (match[f.entry] >= 0) relink(match[f.entry]);
      relink(f.entry);
      if (!f.forced) {
        entry = next[f.entry];
        return true;
      }
    }
  };
  while (entry != tail) {
    if ((++tick & 0xfff) == 0 && std::chrono::steady_clock::now() > limits.deadline)
      return SearchOutcome::OutOfTime;
    if (is_call[entry]) {
      std::uint32_t id = op_of[entry];
      const SearchOp& op = ops[id];
      std::int32_t after = 0;
      if (!((state & 1) && op.f == OpFunction::Write) && step(op, state >> 1, after)) {
        const bool forced = op.f == OpFunction::Read;
        after = (after << 1) | (op.pending && op.f != OpFunction::Read ? 1 : 0);
        toggle(id);
        if (memo.insert(ok_bits.data(), info_bits.data(),
                        mix(set_hash ^ (static_cast<std::uint64_t>(after) << 1)), after)) {
          if (memo.size() > limits.memo_entries) return SearchOutcome::OutOfMemory;
          stack.push_back({entry, state, forced});
          state = after;
          unlink(entry);
          if (match[entry] >= 0) unlink(match[entry]);
          entry = next[head];
          continue;
        }
        toggle(id);
        // Seen before, so it failed; and a read that could go now was the only way on.
        if (forced) {
          if (!backtrack()) return SearchOutcome::NotLinearizable;
          continue;
        }
      }
      entry = next[entry];
    } else {
      // An op's return with the op not linearized: nothing before it can go next; undo the
      // last choice and try the call after it.
      if (!backtrack()) return SearchOutcome::NotLinearizable;
    }
  }
  return SearchOutcome::Linearizable;
}

}  // namespace fissure::checker

namespace fissure::checker {

std::vector<SearchOp> search_ops(const std::vector<const Operation*>& ops) {
  std::map<std::string, std::int32_t> ids;  // null is 0
  auto id = [&](const Value& v) -> std::int32_t {
    if (!v) return 0;
    return ids.try_emplace(*v, static_cast<std::int32_t>(ids.size() + 1)).first->second;
  };
  std::vector<SearchOp> s;
  s.reserve(ops.size());
  for (const Operation* o : ops) {
    SearchOp x;
    x.f = o->f;
    x.pending = o->outcome == OpOutcome::Info;
    x.a = id(o->value);
    x.b = o->f == OpFunction::Cas ? id(o->new_value) : 0;
    x.call = o->invoke_time;
    x.ret = o->complete_time.value_or(o->invoke_time);
    s.push_back(x);
  }
  return s;
}

SearchOutcome search_operations(const std::vector<const Operation*>& ops,
                                const SearchLimits& limits) {
  return search_register(search_ops(ops), limits);
}

}  // namespace fissure::checker
