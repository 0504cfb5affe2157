// The run's processes as a cluster: nodes started in order, each once the one before is
// ready, restarted after a crash fault when the plan says so; the oracle once the workload
// is done; the verdict, from the oracle, the workload's exits, a crash or the timeout; and
// the teardown's kill. It knows processes by pid: their tasks are the session's.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "fd_resolver.hpp"
#include "fissure/tracer/spec.hpp"
#include "fissure/tracer/tracer.hpp"
#include "launcher.hpp"
#include "phase_clock.hpp"
#include "run_phase.hpp"
#include "wait_status.hpp"

namespace fissure::detail {

class Cluster {
 public:
  // Called with each traced process it starts, stopped and not yet resumed, and its node.
  using Adopt = std::function<void(pid_t pid, std::uint32_t node)>;

  Cluster(const Spec& spec, const RunOptions& opts, Trace& trace, FdResolver& fds, Adopt adopt);

  RunPhase phase() const { return phase_; }
  PhaseClock& clock() { return clock_; }
  const Verdict& verdict() const { return verdict_; }

  // Isolated runs: the first process of the run's PID namespace, its init. When it dies,
  // everything still in the namespace dies with it; it only waits.
  void start_namespace_init();
  // The run's deadline counts from now.
  void begin();
  // On every timer tick: true when the run has timed out (it is then finished as a hang).
  bool timed_out();
  // Starts the next node once the one before is ready; the workload runs once all are.
  void start_due_nodes();
  // A crashed node due for a restart starts again, appending to its logs; nullopt when the
  // run is past restarting (the oracle runs, or the teardown).
  std::optional<pid_t> restart(std::size_t node);
  // A crash fault SIGKILLs the node's process group; its pid (0 before it started).
  pid_t kill_node(std::size_t node);
  // A node a crash fault killed and that has not exited yet: the run's end waits for it.
  bool crash_unreaped() const;
  // A process of the run ended: the oracle or a node's main process (others are ignored).
  void exited(pid_t pid, WaitStatus status);
  // The verdict; a crash seen before overrides any but a start failure. The run goes to
  // Ending.
  void finish(Verdict v);
  bool ending_overdue() const;
  // Kills every node's process group, every untraced process, and the namespace's init.
  void kill_all();
  bool teardown_overdue() const;
  // After the last task is reaped: nodes still running were killed by the teardown.
  void end();

 private:
  pid_t spawn(const NodeSpec* node, const std::vector<std::string>& argv,
              const std::map<std::string, std::string>& env, const std::string& cwd,
              const std::filesystem::path& out, const std::filesystem::path& err, bool traced,
              bool append = false);
  void start_node(std::size_t i, bool restart = false);
  bool node_ready(std::size_t i);
  void maybe_finish_workload();
  std::string workload_exit_problem() const;
  void start_oracle();
  void oracle_exited(WaitStatus status);
  void node_exited(std::size_t i, WaitStatus status);

  const Spec& spec_;
  const RunOptions& opts_;
  Trace& trace_;
  FdResolver& fds_;
  Adopt adopt_;
  Launcher launcher_;
  RunPhase phase_ = RunPhase::Starting;
  PhaseClock clock_;
  Verdict verdict_;
  std::uint64_t deadline_ns_ = 0;
  std::uint64_t ending_deadline_ns_ = 0;
  std::uint64_t teardown_deadline_ns_ = 0;
  std::size_t next_node_ = 0;         // next node to start
  std::uint64_t ready_since_ns_ = 0;  // start time of the node we wait on
  std::vector<pid_t> node_pids_;      // main process of each node (0 = not started)
  std::vector<bool> crashed_;         // killed by a crash fault, not restarted since
  std::vector<pid_t> untraced_;       // untraced processes we started (nodes, oracle)
  pid_t oracle_pid_ = 0;
  pid_t ns_init_ = 0;
  bool finished_ = false;
  // The first node that died of a signal fissure did not send (its crash faults and the
  // teardown): the run is a crash whatever else it shows. Empty when none did.
  std::string crash_;
};

}  // namespace fissure::detail
