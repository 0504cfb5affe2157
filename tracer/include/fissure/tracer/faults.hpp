// Where a fault lands and what it does. Points are named in terms that survive across runs
// (node, operation, peer, occurrence), never pids, fds, ephemeral ports or times, so a plan
// written against one run applies to the next. A user-facing contract: see README.md.
#pragma once

#include <compare>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace fissure {

// X(enumerator, name in plans and traces): the enum and its names from one list.
#define FISSURE_OP_CLASSES(X) \
  X(Send, "send")             \
  X(Recv, "recv")             \
  X(Connect, "connect")       \
  X(Accept, "accept")         \
  X(FileWrite, "file-write")  \
  X(Fsync, "fsync")

enum class OpClass : std::uint8_t {
#define FISSURE_ENUM(e, name) e,
  FISSURE_OP_CLASSES(FISSURE_ENUM)
#undef FISSURE_ENUM
};
std::string_view to_string(OpClass op);
std::optional<OpClass> op_class_from_string(std::string_view s);

// The k-th (from 1) operation of class `op` that node `node` performed towards `peer`.
// `peer` is a node name; for files the file's label ("${RUN_DIR}/appendonly.aof"); for a
// listening socket (accept) or a process outside the run, its endpoint ("127.0.0.1:7000").
struct InjectionPoint {
  std::string node;
  OpClass op = OpClass::Send;
  std::string peer;
  std::uint32_t k = 0;

  auto operator<=>(const InjectionPoint&) const = default;
  bool empty() const { return node.empty(); }
};
std::string to_string(const InjectionPoint& p);  // "master send->replica1 #3"

#define FISSURE_FAULT_KINDS(X) \
  X(Crash, "crash")            \
  X(Error, "error")            \
  X(Drop, "drop")              \
  X(Delay, "delay")            \
  X(Partition, "partition")    \
  X(Disk, "disk")              \
  X(Restart, "restart")

enum class FaultKind : std::uint8_t {
#define FISSURE_ENUM(e, name) e,
  FISSURE_FAULT_KINDS(FISSURE_ENUM)
#undef FISSURE_ENUM
};
std::string_view to_string(FaultKind k);
std::optional<FaultKind> fault_kind_from_string(std::string_view s);

struct Fault {
  FaultKind kind = FaultKind::Crash;
  InjectionPoint at;           // where it fires (restart: unused, it follows the node's crash)
  bool after = false;          // crash: just after the call instead of just before
  int err = 0;                 // error, disk: the errno the call returns
  std::uint32_t delay_ms = 0;  // delay: how long; restart: how long after the crash
  std::vector<std::vector<std::string>> groups;  // partition: node groups cut from each other
  std::uint32_t heal_ms = 0;                     // partition: heal after this long (0: never)
  std::string node;                              // restart: which node

  auto operator<=>(const Fault&) const = default;
};
std::string describe(const Fault& f);  // one line for people

// A set of faults; its identity is the hash of its canonical form, so the same plan written
// twice (or with faults in another order) is the same plan.
struct FaultPlan {
  std::vector<Fault> faults;
  std::string id() const;       // 16 hex digits
  FaultPlan canonical() const;  // faults sorted
};

// A plan the user must fix. what() names the fault (by index) and the field.
class PlanError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// cereal JSON, readable and hand-editable. Reading checks every field and refuses unknown
// ones; `node_names` (if given) must contain every node a fault names.
void write_plan(const FaultPlan& plan, std::ostream& os);
FaultPlan read_plan(std::istream& is, const std::vector<std::string>& node_names = {});
FaultPlan load_plan(const std::string& path, const std::vector<std::string>& node_names = {});

// errno names fissure accepts in plans and specs: ECONNRESET, EPIPE, EIO, ENOSPC, ...
std::optional<int> errno_from_name(std::string_view name);
// The same for plans and specs alike; std::invalid_argument says what is accepted.
FaultKind parse_fault_kind(std::string_view name);
int parse_errno(std::string_view name);
std::string errno_name(int err);

// What happened to a planned fault in a run.
struct FiredFault {
  std::size_t fault = 0;    // index in the plan
  std::uint64_t event = 0;  // the event it fired at (Trace::events)
  std::uint64_t time_ns = 0;
  std::string note;  // e.g. "killed master (pgid 1234)", "partition healed"
};

}  // namespace fissure
