// The plan's faults, made to happen: at a call whose injection point a fault names, the
// call fails in place, is dropped, delayed, or its node is crashed before or after it; a
// partition, once started, cuts the calls between its groups until it heals; a crashed node
// is restarted when the plan says so. It decides and does what registers and sockets take;
// crashing and resuming are the session's, which owns the tasks.
#pragma once

#include <sys/types.h>
#include <sys/user.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fd_info.hpp"
#include "fissure/tracer/faults.hpp"
#include "fissure/tracer/spec.hpp"
#include "fissure/tracer/trace.hpp"
#include "pending_call.hpp"
#include "thread.hpp"
#include "tracee_fds.hpp"

namespace fissure::detail {

class FaultInjector {
 public:
  FaultInjector(const Spec& spec, const FaultPlan& plan, Trace& trace, TraceeFds& tracee_fds)
      : spec_(spec),
        plan_(plan),
        trace_(trace),
        tracee_fds_(tracee_fds),
        fired_(plan.faults.size(), false) {}

  // Applies the plan at this call, whose point is set. It may mark the call (forced result,
  // a crash after it, a fault it fires once recorded, a delay) and skip it in `regs`. The
  // fault to crash the node with before the call runs, when that is what the plan says.
  // `ending`: the verdict is known, so no new fault fires; partitions in force still cut.
  std::optional<std::size_t> apply(const Thread& t, PendingCall& c, user_regs_struct& regs,
                                   const FdInfo& fdi, bool ending);
  // The call has been recorded as event `event`: a fault it fires (a delay, the start of a
  // partition) is fired at it.
  void recorded(const PendingCall& c, std::uint64_t event);
  // Records that a planned fault happened, once.
  void fire(std::size_t fault, std::uint64_t event, std::string note);
  // Node `node` was crashed by `fault` at `event`: the restart the plan has for it is due
  // after its delay.
  void crashed(std::size_t node, std::size_t fault, std::uint64_t event, std::string note);

  // A thread kept stopped by a delay fault, and how to resume it once the delay is over.
  struct Delayed {
    pid_t tid;
    std::uint64_t until_ns;
    bool want_exit;
    int sig;
  };
  void park(Delayed d) { delayed_.push_back(d); }
  bool parked(pid_t tid) const;
  std::vector<Delayed> due_delays(std::uint64_t now);
  struct Restart {
    std::size_t node, fault;
    std::uint64_t at_ns;
  };
  std::vector<Restart> due_restarts(std::uint64_t now);

  // The planned faults that never fired, by index.
  std::vector<std::size_t> unreached() const;

 private:
  bool cut_by_partition(const Thread& t, const std::string& peer) const;
  // The call does not happen: at its exit stop it returns `result`.
  static void skip_call(const Thread& t, PendingCall& c, user_regs_struct& regs, long result);
  bool break_connection(pid_t tgid, const PendingCall& c);

  const Spec& spec_;
  const FaultPlan& plan_;
  Trace& trace_;
  TraceeFds& tracee_fds_;
  std::vector<bool> fired_;
  std::vector<Delayed> delayed_;
  std::vector<Restart> restarts_;
  struct ActivePartition {
    std::size_t fault;
    std::uint64_t until_ns;  // 0: never heals
  };
  std::vector<ActivePartition> partitions_;
};

}  // namespace fissure::detail
