// The record of one traced run: who did which communication syscall on which channel,
// and the causal edges between those events. Everything downstream reads this type.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "fissure/tracer/faults.hpp"
#include "fissure/tracer/syscalls.hpp"

namespace fissure {

enum class ChannelKind : std::uint8_t { Tcp, Udp, UnixStream, UnixDgram, Pipe, File };
std::string_view to_string(ChannelKind k);
ChannelKind channel_kind_from_string(std::string_view s);

// One communication object shared by (at most) two sides. For TCP the sides are the two
// endpoints "ip:port"; for unix sockets "unix:INODE" (label = bound path); for pipes both
// sides are the pipe; for files the path.
struct Channel {
  std::uint32_t id = 0;
  ChannelKind kind = ChannelKind::Tcp;
  std::string side_a;        // for TCP: the connecting side (or lower endpoint when unknown)
  std::string side_b;        // for TCP: the accepting side
  std::string label;         // human label: "127.0.0.1:7000", a unix path, a file path
  std::int32_t node_a = -1;  // node seen acting on side_a, -1 if none (untraced peer)
  std::int32_t node_b = -1;
};

enum class EventDir : std::uint8_t { None, AtoB, BtoA };

inline constexpr std::size_t kEventHeadBytes = 16;

// One interesting syscall (or ptrace event) of one thread.
struct Event {
  std::uint64_t id = 0;    // index in Trace::events
  std::uint32_t node = 0;  // index in Trace::nodes
  std::int32_t pid = 0;    // thread group id
  std::int32_t tid = 0;
  std::uint64_t seq = 0;  // per-thread sequence number, from 0
  Sys sys = Sys::read;
  std::int32_t fd = -1;
  std::int32_t channel = -1;      // index in Trace::channels or -1
  EventDir dir = EventDir::None;  // direction of bytes for sends/receives on the channel
  std::int64_t asked = 0;         // bytes asked for (count / sum of iov lengths)
  std::int64_t moved = 0;         // bytes actually transferred (0 on error)
  std::int64_t result = 0;        // raw return value (>= 0), or -errno
  std::uint64_t offset = 0;       // stream/pipe: position of the first moved byte in its direction
  std::int32_t child = 0;         // fork/clone: the new pid/tid
  std::string peer;               // datagram peer endpoint, connect target, exec path, ...
  // A send's first bytes as offered (up to kEventHeadBytes; it may have moved fewer): enough
  // for people to tell "+OK" from "PING" in a diagram, too few to carry a workload's data.
  std::string head;
  std::uint64_t time_ns = 0;      // CLOCK_MONOTONIC when the call started (inferred) or returned
  std::uint64_t end_ns = 0;       // when it was known complete: its return, or for inferred
                                  // results when its counts were read (an upper bound)
  // TCP data calls are not stopped at their exit: their byte counts come from the kernel's
  // TCP counters (exact), and when no byte moved, the result is inferred: 0 for end of
  // stream after the peer's FIN, -EAGAIN otherwise, -ESRCH if the socket vanished first.
  bool inferred = false;
  // Where a fault could land at this call: set for sends, receives, connects, accepts, file
  // writes and syncs; empty otherwise.
  InjectionPoint point;
  bool injected = false;  // a planned fault changed this call (see RunResult::fired)

  bool failed() const { return result < 0; }
  int error() const { return result < 0 ? static_cast<int>(-result) : 0; }
};

enum class EdgeKind : std::uint8_t { Message, Datagram, Pipe, Connect, Fork, Eof };
std::string_view to_string(EdgeKind k);

// A causal edge across threads or processes: `from` happens before `to`.
// Program order within a thread is implicit (same tid, increasing seq) and not stored.
struct Edge {
  std::uint64_t from = 0;
  std::uint64_t to = 0;
  EdgeKind kind = EdgeKind::Message;
  auto operator<=>(const Edge&) const = default;
};

enum class NodeEnd : std::uint8_t { NotStarted, Running, Exited, Signaled, Killed };
std::string_view to_string(NodeEnd e);

struct NodeRecord {
  std::string name;
  bool workload = false;
  std::vector<std::string> argv;  // as started, with ${RUN_DIR} expanded
  std::int32_t pid = 0;           // the node's first process
  NodeEnd end = NodeEnd::NotStarted;
  std::int32_t exit_code = 0;  // Exited
  std::int32_t signal = 0;     // Signaled / Killed
  std::uint64_t start_ns = 0;
  std::uint64_t end_ns = 0;
  std::uint32_t restarts = 0;  // times a restart fault started it again
};

enum class RunEnd : std::uint8_t { Completed, Timeout, StartFailed };
std::string_view to_string(RunEnd e);

// What tracing cost: how often tracees stopped, for benchmarks and for the tests that
// check uninteresting syscalls stop once at most.
struct TraceStats {
  std::uint64_t seccomp_stops = 0;  // syscall-entry stops from the filter
  std::uint64_t exit_stops = 0;     // syscall-exit stops we asked for
  std::uint64_t fd_copies = 0;    // tracee fds copied (pidfd_getfd) to ask sockets about themselves
  std::uint64_t other_stops = 0;  // signals, fork/clone/exec events
};

struct Trace {
  std::string target;  // spec name
  std::string run_dir;
  RunEnd end = RunEnd::Completed;
  std::string end_message;  // why a run did not complete
  std::uint64_t start_ns = 0;
  std::uint64_t end_ns = 0;
  FaultPlan plan;                          // the faults this run was asked to inject
  std::vector<FiredFault> fired;           // those that fired
  std::vector<std::string> outcome_files;  // the spec's oracle.outcome_files
  std::vector<std::string> replica_files;  // the spec's oracle.replica_files
  std::vector<NodeRecord> nodes;
  std::vector<Channel> channels;
  std::vector<Event> events;
  std::vector<Edge> edges;
  TraceStats stats;

  // Edges whose `to` is the event; linear scan, for tests and small tools.
  std::vector<Edge> edges_into(std::uint64_t event) const;
  std::optional<std::uint32_t> node_index(std::string_view name) const;
};

// A trace written by another version of the format.
class TraceVersionError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Serialization (cereal): binary is the on-disk form, JSON is for people and other tools.
void save_binary(const Trace& t, const std::string& path);
Trace load_binary(const std::string& path);
void write_json(const Trace& t, std::ostream& os);
Trace read_json(std::istream& is);

}  // namespace fissure

namespace fissure {

// Derives Trace::edges and the channels' node sides from the recorded events:
// stream receives depend on exactly the sends whose byte ranges they cover; datagrams
// match by channel, direction, order and size; connect precedes its accept; fork/clone
// precedes the child's first event; a close or shutdown precedes the peer's read of EOF.
void derive_causality(Trace& t);

}  // namespace fissure
