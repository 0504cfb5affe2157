#include <fmt/format.h>

#include <array>
#include <cereal/archives/binary.hpp>
#include <cereal/archives/json.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "fissure/tracer/trace.hpp"

namespace fissure {
namespace {

constexpr std::array<std::string_view, 6> kChannelKinds = {"tcp",        "udp",  "unix-stream",
                                                           "unix-dgram", "pipe", "file"};
constexpr std::array<std::string_view, 3> kDirs = {"none", "a->b", "b->a"};
constexpr std::array<std::string_view, 6> kEdgeKinds = {"message", "datagram", "pipe",
                                                        "connect", "fork",     "eof"};
constexpr std::array<std::string_view, 5> kNodeEnds = {"not-started", "running", "exited",
                                                       "signaled", "killed"};
constexpr std::array<std::string_view, 3> kRunEnds = {"completed", "timeout", "start-failed"};

template <class E, std::size_t N>
E enum_from(const std::array<std::string_view, N>& names, std::string_view s, const char* what) {
  for (std::size_t i = 0; i < N; ++i)
    if (names[i] == s) return static_cast<E>(i);
  throw std::runtime_error(fmt::format("trace: unknown {} '{}'", what, s));
}

}  // namespace

std::string_view to_string(ChannelKind k) {
  return kChannelKinds.at(static_cast<std::size_t>(k));
}
ChannelKind channel_kind_from_string(std::string_view s) {
  return enum_from<ChannelKind>(kChannelKinds, s, "channel kind");
}
std::string_view to_string(EdgeKind k) {
  return kEdgeKinds.at(static_cast<std::size_t>(k));
}
std::string_view to_string(NodeEnd e) {
  return kNodeEnds.at(static_cast<std::size_t>(e));
}
std::string_view to_string(RunEnd e) {
  return kRunEnds.at(static_cast<std::size_t>(e));
}

// Enums travel as their names, so JSON traces read well and survive reordering of enums.
template <class A>
std::string save_minimal(const A&, const Sys& v) {
  return std::string(to_string(v));
}
template <class A>
void load_minimal(const A&, Sys& v, const std::string& s) {
  auto sys = sys_from_string(s);
  if (!sys) throw std::runtime_error(fmt::format("trace: unknown syscall '{}'", s));
  v = *sys;
}
#define FISSURE_ENUM_NAMES(Type, names, what)                  \
  template <class A>                                           \
  std::string save_minimal(const A&, const Type& v) {          \
    return std::string(names.at(static_cast<std::size_t>(v))); \
  }                                                            \
  template <class A>                                           \
  void load_minimal(const A&, Type& v, const std::string& s) { \
    v = enum_from<Type>(names, s, what);                       \
  }
FISSURE_ENUM_NAMES(ChannelKind, kChannelKinds, "channel kind")
FISSURE_ENUM_NAMES(EventDir, kDirs, "direction")
FISSURE_ENUM_NAMES(EdgeKind, kEdgeKinds, "edge kind")
FISSURE_ENUM_NAMES(NodeEnd, kNodeEnds, "node end")
FISSURE_ENUM_NAMES(RunEnd, kRunEnds, "run end")
#undef FISSURE_ENUM_NAMES

// In traces a point is one compact string field per part; empty for calls no fault can hit.
template <class A>
void serialize(A& ar, InjectionPoint& p) {
  std::string op(to_string(p.op));
  ar(cereal::make_nvp("node", p.node), cereal::make_nvp("op", op), cereal::make_nvp("peer", p.peer),
     cereal::make_nvp("k", p.k));
  if (auto o = op_class_from_string(op)) p.op = *o;
}

template <class A>
void serialize(A& ar, FiredFault& f) {
  ar(cereal::make_nvp("fault", f.fault), cereal::make_nvp("event", f.event),
     cereal::make_nvp("time_ns", f.time_ns), cereal::make_nvp("note", f.note));
}

// The plan travels as its own JSON text: one format for plans wherever they are kept.
template <class A>
std::string save_minimal(const A&, const FaultPlan& plan) {
  std::ostringstream os;
  write_plan(plan, os);
  return os.str();
}
template <class A>
void load_minimal(const A&, FaultPlan& plan, const std::string& text) {
  std::istringstream is(text);
  plan = read_plan(is);
}

template <class A>
void serialize(A& ar, Channel& c) {
  ar(cereal::make_nvp("id", c.id), cereal::make_nvp("kind", c.kind),
     cereal::make_nvp("side_a", c.side_a), cereal::make_nvp("side_b", c.side_b),
     cereal::make_nvp("label", c.label), cereal::make_nvp("node_a", c.node_a),
     cereal::make_nvp("node_b", c.node_b));
}

template <class A>
void serialize(A& ar, Event& e) {
  ar(cereal::make_nvp("id", e.id), cereal::make_nvp("node", e.node), cereal::make_nvp("pid", e.pid),
     cereal::make_nvp("tid", e.tid), cereal::make_nvp("seq", e.seq), cereal::make_nvp("sys", e.sys),
     cereal::make_nvp("fd", e.fd), cereal::make_nvp("channel", e.channel),
     cereal::make_nvp("dir", e.dir), cereal::make_nvp("asked", e.asked),
     cereal::make_nvp("moved", e.moved), cereal::make_nvp("result", e.result),
     cereal::make_nvp("offset", e.offset), cereal::make_nvp("child", e.child),
     cereal::make_nvp("peer", e.peer), cereal::make_nvp("head", e.head),
     cereal::make_nvp("time_ns", e.time_ns),
     cereal::make_nvp("end_ns", e.end_ns), cereal::make_nvp("inferred", e.inferred),
     cereal::make_nvp("point", e.point), cereal::make_nvp("injected", e.injected));
}

template <class A>
void serialize(A& ar, Edge& e) {
  ar(cereal::make_nvp("from", e.from), cereal::make_nvp("to", e.to),
     cereal::make_nvp("kind", e.kind));
}

template <class A>
void serialize(A& ar, NodeRecord& n) {
  ar(cereal::make_nvp("name", n.name), cereal::make_nvp("workload", n.workload),
     cereal::make_nvp("argv", n.argv), cereal::make_nvp("pid", n.pid),
     cereal::make_nvp("end", n.end), cereal::make_nvp("exit_code", n.exit_code),
     cereal::make_nvp("signal", n.signal), cereal::make_nvp("start_ns", n.start_ns),
     cereal::make_nvp("end_ns", n.end_ns), cereal::make_nvp("restarts", n.restarts));
}

template <class A>
void serialize(A& ar, TraceStats& s) {
  ar(cereal::make_nvp("seccomp_stops", s.seccomp_stops),
     cereal::make_nvp("exit_stops", s.exit_stops), cereal::make_nvp("fd_copies", s.fd_copies),
     cereal::make_nvp("other_stops", s.other_stops));
}

template <class A>
void serialize(A& ar, Trace& t) {
  ar(cereal::make_nvp("target", t.target), cereal::make_nvp("run_dir", t.run_dir),
     cereal::make_nvp("end", t.end), cereal::make_nvp("end_message", t.end_message),
     cereal::make_nvp("start_ns", t.start_ns), cereal::make_nvp("end_ns", t.end_ns),
     cereal::make_nvp("plan", t.plan), cereal::make_nvp("fired", t.fired),
     cereal::make_nvp("outcome_files", t.outcome_files),
     cereal::make_nvp("replica_files", t.replica_files), cereal::make_nvp("nodes", t.nodes),
     cereal::make_nvp("channels", t.channels), cereal::make_nvp("events", t.events),
     cereal::make_nvp("edges", t.edges), cereal::make_nvp("stats", t.stats));
}

namespace {
constexpr std::uint32_t kTraceMagic = 0x46535452;  // "FSTR"
// 2: points, plans, fired faults, inferred results; 3: outcome files; 4: sends' first bytes
// (Event::head); 5: replica files
constexpr std::uint32_t kTraceVersion = 5;
}  // namespace

void save_binary(const Trace& t, const std::string& path) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream os(tmp, std::ios::binary | std::ios::trunc);
    if (!os) throw std::runtime_error(fmt::format("cannot write trace file {}", tmp));
    cereal::BinaryOutputArchive ar(os);
    ar(kTraceMagic, kTraceVersion, const_cast<Trace&>(t));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    throw std::runtime_error(fmt::format("cannot move trace into place at {}", path));
}

Trace load_binary(const std::string& path) {
  std::ifstream is(path, std::ios::binary);
  if (!is) throw std::runtime_error(fmt::format("cannot read trace file {}", path));
  cereal::BinaryInputArchive ar(is);
  std::uint32_t magic = 0, version = 0;
  Trace t;
  try {
    ar(magic, version);
    if (magic != kTraceMagic) throw std::runtime_error("not a fissure trace");
    if (version != kTraceVersion)
      throw TraceVersionError(fmt::format("{}: trace format version {} (this fissure reads {})",
                                          path, version, kTraceVersion));
    ar(t);
  } catch (const cereal::Exception& e) {
    throw std::runtime_error(fmt::format("{}: truncated or corrupt trace ({})", path, e.what()));
  }
  return t;
}

void write_json(const Trace& t, std::ostream& os) {
  cereal::JSONOutputArchive ar(os, cereal::JSONOutputArchive::Options::Default());
  ar(cereal::make_nvp("trace", const_cast<Trace&>(t)));
}

Trace read_json(std::istream& is) {
  Trace t;
  cereal::JSONInputArchive ar(is);
  ar(cereal::make_nvp("trace", t));
  return t;
}

std::vector<Edge> Trace::edges_into(std::uint64_t event) const {
  std::vector<Edge> out;
  for (const auto& e : edges)
    if (e.to == event) out.push_back(e);
  return out;
}

std::optional<std::uint32_t> Trace::node_index(std::string_view name) const {
  for (std::size_t i = 0; i < nodes.size(); ++i)
    if (nodes[i].name == name) return static_cast<std::uint32_t>(i);
  return std::nullopt;
}

}  // namespace fissure
