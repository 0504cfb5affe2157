#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cereal/archives/json.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

#include "fissure/tracer/faults.hpp"

namespace fissure {
namespace {

using std::string_view_literals::operator""sv;
#define FISSURE_NAME(e, name) name##sv,
constexpr std::array kOps = {FISSURE_OP_CLASSES(FISSURE_NAME)};
constexpr std::array kKinds = {FISSURE_FAULT_KINDS(FISSURE_NAME)};
#undef FISSURE_NAME

constexpr std::pair<std::string_view, int> kErrnos[] = {
    {"ECONNRESET", ECONNRESET},
    {"EPIPE", EPIPE},
    {"ECONNREFUSED", ECONNREFUSED},
    {"ETIMEDOUT", ETIMEDOUT},
    {"EIO", EIO},
    {"ENOSPC", ENOSPC},
    {"EAGAIN", EAGAIN},
    {"EINTR", EINTR},
    {"ECONNABORTED", ECONNABORTED},
    {"EHOSTUNREACH", EHOSTUNREACH},
    {"ENETUNREACH", ENETUNREACH},
    {"EDQUOT", EDQUOT},
    {"EROFS", EROFS},
    {"EBADF", EBADF},
    {"ENOMEM", ENOMEM},
};

template <std::size_t N>
std::optional<std::size_t> index_of(const std::array<std::string_view, N>& names,
                                    std::string_view s) {
  for (std::size_t i = 0; i < N; ++i)
    if (names[i] == s) return i;
  return std::nullopt;
}

// Which fault and field a JSON read is at, for error messages.
struct ReadPosition {
  std::size_t fault = 0;
  std::string field;
};
thread_local ReadPosition g_pos;

[[noreturn]] void plan_error(const std::string& msg) {
  throw PlanError(fmt::format("fault[{}].{}: {}", g_pos.fault, g_pos.field, msg));
}

// Runs a parser that explains itself with std::invalid_argument, as a plan error here.
template <class F>
auto checked(F&& parse) {
  try {
    return parse();
  } catch (const std::invalid_argument& e) {
    plan_error(e.what());
  }
}

}  // namespace

std::string_view to_string(OpClass op) {
  return kOps.at(static_cast<std::size_t>(op));
}
std::optional<OpClass> op_class_from_string(std::string_view s) {
  if (auto i = index_of(kOps, s)) return static_cast<OpClass>(*i);
  return std::nullopt;
}
std::string_view to_string(FaultKind k) {
  return kKinds.at(static_cast<std::size_t>(k));
}
std::optional<FaultKind> fault_kind_from_string(std::string_view s) {
  if (auto i = index_of(kKinds, s)) return static_cast<FaultKind>(*i);
  return std::nullopt;
}

FaultKind parse_fault_kind(std::string_view name) {
  if (auto k = fault_kind_from_string(name)) return *k;
  throw std::invalid_argument(
      fmt::format("'{}' is not one of crash, error, drop, delay, partition, disk, restart", name));
}

int parse_errno(std::string_view name) {
  if (auto e = errno_from_name(name)) return *e;
  throw std::invalid_argument(fmt::format(
      "'{}' is not an errno fissure knows (ECONNRESET, EPIPE, EIO, ENOSPC, ...)", name));
}

std::optional<int> errno_from_name(std::string_view name) {
  for (auto [n, v] : kErrnos)
    if (n == name) return v;
  return std::nullopt;
}

std::string errno_name(int err) {
  for (auto [n, v] : kErrnos)
    if (v == err) return std::string(n);
  if (const char* name = strerrorname_np(err)) return name;  // for display: EINPROGRESS, ...
  return fmt::format("errno {}", err);
}

std::string to_string(const InjectionPoint& p) {
  return fmt::format("{} {}->{} #{}", p.node, to_string(p.op), p.peer, p.k);
}

std::string describe(const Fault& f) {
  switch (f.kind) {
    case FaultKind::Crash:
      return fmt::format("crash {} {} {}", f.at.node, f.after ? "just after" : "just before",
                         to_string(f.at));
    case FaultKind::Error:
      return fmt::format("fail {} with {}", to_string(f.at), errno_name(f.err));
    case FaultKind::Drop:
      return fmt::format("drop at {}", to_string(f.at));
    case FaultKind::Delay:
      return fmt::format("delay {} by {}ms", to_string(f.at), f.delay_ms);
    case FaultKind::Partition: {
      std::string groups;
      for (const auto& g : f.groups) {
        std::string names;
        for (const auto& n : g) names += (names.empty() ? "" : ",") + n;
        groups += (groups.empty() ? "" : " | ") + names;
      }
      return fmt::format("partition {} from {}{}", groups, to_string(f.at),
                         f.heal_ms ? fmt::format(", heal after {}ms", f.heal_ms) : "");
    }
    case FaultKind::Disk:
      return fmt::format("disk error {} at {}", errno_name(f.err), to_string(f.at));
    case FaultKind::Restart:
      return fmt::format("restart {} {}ms after it crashes", f.node, f.delay_ms);
  }
  return "?";
}

// ---------------------------------------------------------------------------------------
// JSON. Only the fields a kind uses are written; reading walks the object's keys so that
// fields may be left out or reordered by hand, and unknown ones are refused.

template <class A>
void save(A& ar, const InjectionPoint& p) {
  ar(cereal::make_nvp("node", p.node), cereal::make_nvp("op", std::string(to_string(p.op))),
     cereal::make_nvp("peer", p.peer), cereal::make_nvp("k", p.k));
}

template <class A>
void load(A& ar, InjectionPoint& p) {
  std::string outer = g_pos.field;
  std::set<std::string> seen;
  while (const char* name = ar.getNodeName()) {
    std::string key = name;
    g_pos.field = outer + "." + key;
    if (!seen.insert(key).second) plan_error("given twice");
    if (key == "node") {
      ar(p.node);
    } else if (key == "op") {
      std::string op;
      ar(op);
      auto o = op_class_from_string(op);
      if (!o)
        plan_error(
            fmt::format("'{}' is not one of send, recv, connect, accept, file-write, fsync", op));
      p.op = *o;
    } else if (key == "peer") {
      ar(p.peer);
    } else if (key == "k") {
      ar(p.k);
    } else {
      plan_error("unknown field (known: node, op, peer, k)");
    }
  }
  g_pos.field = outer;
}

template <class A>
void save(A& ar, const Fault& f) {
  ar(cereal::make_nvp("kind", std::string(to_string(f.kind))));
  if (f.kind != FaultKind::Restart) ar(cereal::make_nvp("at", f.at));
  switch (f.kind) {
    case FaultKind::Crash:
      ar(cereal::make_nvp("when", std::string(f.after ? "after" : "before")));
      break;
    case FaultKind::Error:
    case FaultKind::Disk:
      ar(cereal::make_nvp("errno", errno_name(f.err)));
      break;
    case FaultKind::Delay:
      ar(cereal::make_nvp("ms", f.delay_ms));
      break;
    case FaultKind::Partition:
      ar(cereal::make_nvp("groups", f.groups), cereal::make_nvp("heal_ms", f.heal_ms));
      break;
    case FaultKind::Restart:
      ar(cereal::make_nvp("node", f.node), cereal::make_nvp("after_ms", f.delay_ms));
      break;
    case FaultKind::Drop:
      break;
  }
}

template <class A>
void load(A& ar, Fault& f) {
  std::set<std::string> seen;
  while (const char* name = ar.getNodeName()) {
    std::string key = name;
    g_pos.field = key;
    if (!seen.insert(key).second) plan_error("given twice");
    if (key == "kind") {
      std::string k;
      ar(k);
      f.kind = checked([&] { return parse_fault_kind(k); });
    } else if (key == "at") {
      ar(f.at);
    } else if (key == "when") {
      std::string w;
      ar(w);
      if (w != "before" && w != "after")
        plan_error(fmt::format("'{}' is not \"before\" or \"after\"", w));
      f.after = w == "after";
    } else if (key == "errno") {
      std::string e;
      ar(e);
      f.err = checked([&] { return parse_errno(e); });
    } else if (key == "ms" || key == "after_ms") {
      ar(f.delay_ms);
    } else if (key == "groups") {
      ar(f.groups);
    } else if (key == "heal_ms") {
      ar(f.heal_ms);
    } else if (key == "node") {
      ar(f.node);
    } else {
      plan_error(
          "unknown field (known: kind, at, when, errno, ms, groups, heal_ms, node, after_ms)");
    }
  }
  auto need = [&](const char* field) {
    if (!seen.contains(field)) {
      g_pos.field = field;
      plan_error(fmt::format("missing (a {} fault needs it)", to_string(f.kind)));
    }
  };
  need("kind");
  if (f.kind == FaultKind::Restart) {
    need("node");
    need("after_ms");
  } else {
    need("at");
  }
  if (f.kind == FaultKind::Error || f.kind == FaultKind::Disk) need("errno");
  if (f.kind == FaultKind::Delay) need("ms");
  if (f.kind == FaultKind::Partition) need("groups");
  // A field the kind does not use is a mistake in the plan, not something to ignore.
  auto uses = [&](const std::string& field) {
    switch (f.kind) {
      case FaultKind::Crash:
        return field == "kind" || field == "at" || field == "when";
      case FaultKind::Error:
      case FaultKind::Disk:
        return field == "kind" || field == "at" || field == "errno";
      case FaultKind::Drop:
        return field == "kind" || field == "at";
      case FaultKind::Delay:
        return field == "kind" || field == "at" || field == "ms";
      case FaultKind::Partition:
        return field == "kind" || field == "at" || field == "groups" || field == "heal_ms";
      case FaultKind::Restart:
        return field == "kind" || field == "node" || field == "after_ms";
    }
    return false;
  };
  for (const auto& field : seen)
    if (!uses(field)) {
      g_pos.field = field;
      plan_error(fmt::format("a {} fault has no such field", to_string(f.kind)));
    }
}

namespace {

void validate(const Fault& f, const std::vector<std::string>& nodes) {
  auto known = [&](const std::string& n, const char* field) {
    g_pos.field = field;
    if (n.empty()) plan_error("missing node name");
    if (!nodes.empty() && std::find(nodes.begin(), nodes.end(), n) == nodes.end())
      plan_error(fmt::format("no node named '{}' in the spec", n));
  };
  if (f.kind == FaultKind::Restart) {
    known(f.node, "node");
    return;
  }
  known(f.at.node, "at.node");
  g_pos.field = "at.peer";
  if (f.at.peer.empty()) plan_error("missing peer (a node name, file label or endpoint)");
  g_pos.field = "at.k";
  if (f.at.k == 0) plan_error("occurrences count from 1");
  bool file_op = f.at.op == OpClass::FileWrite || f.at.op == OpClass::Fsync;
  g_pos.field = "at.op";
  if (f.kind == FaultKind::Disk && !file_op)
    plan_error("a disk fault lands on a file-write or fsync");
  if (f.kind == FaultKind::Drop && (f.at.op != OpClass::Send && f.at.op != OpClass::Recv))
    plan_error("a drop lands on a send or recv");
  if (f.kind == FaultKind::Delay && f.delay_ms == 0) {
    g_pos.field = "ms";
    plan_error("a delay must be positive");
  }
  if (f.kind == FaultKind::Disk && f.err != EIO && f.err != ENOSPC && f.err != EDQUOT &&
      f.err != EROFS) {
    g_pos.field = "errno";
    plan_error("a disk fault fails with EIO, ENOSPC, EDQUOT or EROFS");
  }
  if (f.kind == FaultKind::Partition) {
    g_pos.field = "groups";
    if (f.groups.size() < 2) plan_error("a partition needs at least two groups of nodes");
    std::set<std::string> all;
    for (const auto& g : f.groups) {
      if (g.empty()) plan_error("a group is empty");
      for (const auto& n : g) {
        known(n, "groups");
        if (!all.insert(n).second) plan_error(fmt::format("node '{}' is in two groups", n));
      }
    }
  }
}

}  // namespace

void write_plan(const FaultPlan& plan, std::ostream& os) {
  cereal::JSONOutputArchive ar(os, cereal::JSONOutputArchive::Options::Default());
  ar(cereal::make_nvp("faults", plan.faults));
}

FaultPlan read_plan(std::istream& is, const std::vector<std::string>& node_names) {
  FaultPlan plan;
  g_pos = {};
  std::size_t count = 0;
  try {
    cereal::JSONInputArchive ar(is);
    cereal::size_type n = 0;
    bool have_faults = false;
    while (const char* name = ar.getNodeName()) {
      if (std::string(name) != "faults" || have_faults)
        throw PlanError(fmt::format("'{}': a plan has one field, \"faults\"", name));
      have_faults = true;
      break;
    }
    if (!have_faults) throw PlanError("not a fault plan: expected {\"faults\": [...]}");
    ar.setNextName("faults");
    ar.startNode();
    ar(cereal::make_size_tag(n));
    for (; count < n; ++count) {
      g_pos = {count, {}};
      Fault f;
      ar.startNode();
      load(ar, f);
      ar.finishNode();
      plan.faults.push_back(std::move(f));
    }
    ar.finishNode();
    if (const char* extra = ar.getNodeName())
      throw PlanError(fmt::format("'{}': a plan has one field, \"faults\"", extra));
  } catch (const PlanError&) {
    throw;
  } catch (const cereal::Exception& e) {
    if (count < plan.faults.size() + 1 && !g_pos.field.empty())
      throw PlanError(fmt::format("fault[{}].{}: wrong type or malformed JSON ({})", g_pos.fault,
                                  g_pos.field, e.what()));
    throw PlanError(fmt::format("not a fault plan: expected {{\"faults\": [...]}} ({})", e.what()));
  }
  for (std::size_t i = 0; i < plan.faults.size(); ++i) {
    g_pos = {i, {}};
    validate(plan.faults[i], node_names);
    for (std::size_t j = 0; j < i; ++j) {
      const Fault &a = plan.faults[j], &b = plan.faults[i];
      bool restarts = a.kind == FaultKind::Restart && b.kind == FaultKind::Restart;
      if (restarts && a.node == b.node) {
        g_pos.field = "node";
        plan_error(fmt::format("fault[{}] already restarts '{}'", j, b.node));
      }
      if (!restarts && a.kind != FaultKind::Restart && b.kind != FaultKind::Restart &&
          a.at == b.at) {
        g_pos.field = "at";
        plan_error(
            fmt::format("fault[{}] already lands at {}: one fault per point", j, to_string(b.at)));
      }
    }
  }
  return plan;
}

FaultPlan load_plan(const std::string& path, const std::vector<std::string>& node_names) {
  std::ifstream in(path);
  if (!in) throw PlanError(fmt::format("{}: cannot read the plan file", path));
  try {
    return read_plan(in, node_names);
  } catch (const PlanError& e) {
    throw PlanError(fmt::format("{}: {}", path, e.what()));
  }
}

FaultPlan FaultPlan::canonical() const {
  FaultPlan c = *this;
  for (auto& f : c.faults)
    for (auto& g : f.groups) std::sort(g.begin(), g.end());
  for (auto& f : c.faults) std::sort(f.groups.begin(), f.groups.end());
  std::sort(c.faults.begin(), c.faults.end());
  return c;
}

std::string FaultPlan::id() const {
  std::ostringstream os;
  write_plan(canonical(), os);
  std::uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a: stable across builds and machines
  for (unsigned char ch : os.str()) h = (h ^ ch) * 0x100000001b3ull;
  return fmt::format("{:016x}", h);
}

}  // namespace fissure
