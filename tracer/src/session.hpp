// One run under the tracer: the event loop over waitpid, and what each stop means for the
// trace. The loop (tracer.cpp) hands a task's stops to the handlers its syscall's row
// names (call_handlers.cpp); the cluster, the fault injector, the fd resolver and the TCP
// settlement hold the rest.
#pragma once

#include <sys/types.h>
#include <sys/user.h>

#include <cstdint>
#include <functional>
#include <unordered_map>

#include "channel_registry.hpp"
#include "cluster.hpp"
#include "fault_injector.hpp"
#include "fd_resolver.hpp"
#include "fd_tables.hpp"
#include "fissure/tracer/tracer.hpp"
#include "kernel_counters.hpp"
#include "peer_names.hpp"
#include "tcp_counters.hpp"
#include "tcp_settlement.hpp"
#include "thread.hpp"
#include "tracee_fds.hpp"
#include "wait_status.hpp"

namespace fissure::detail {

class Session {
 public:
  Session(const Spec& spec, const RunOptions& opts);
  RunResult run();

 private:
  // The loop.
  void drain();
  void on_tick();
  void on_wait(pid_t tid, WaitStatus status);
  void on_signal_stop(Thread& t, WaitStatus status);
  void on_task_exit(pid_t tid, WaitStatus status);
  void on_spawn(Thread& t, int event);
  void on_exec(Thread& t);
  void on_seccomp(Thread& t);
  void on_syscall_exit(Thread& t);
  void resume(pid_t tid, bool want_exit, int sig = 0);
  Thread& adopt(pid_t tid, pid_t tgid, std::uint32_t node);
  void release_due_faults();
  void crash_node(std::size_t node, std::size_t fault, std::uint64_t event);
  bool settled() const;
  void end_when_settled();
  void teardown();

  // The handlers the syscall table's rows name, by SysClass (call_handlers.cpp). An entry
  // handler says whether the call's exit stop is wanted, or that it has dealt with the stop
  // itself (it crashed the node): then the task is not resumed.
  struct Entry {
    bool want_exit = false;
    bool handled = false;  // the task was crashed or otherwise taken care of: no resume
  };
  using EntryHandler = Entry (Session::*)(Thread&, user_regs_struct&);
  using ExitHandler = void (Session::*)(Thread&, std::int64_t ret);
  struct Handlers {
    EntryHandler entry;
    ExitHandler exit;
  };
  static const Handlers kHandlers[];

  Entry enter_data(Thread& t, user_regs_struct& regs);
  Entry enter_setup(Thread& t, user_regs_struct& regs);
  Entry enter_shutdown(Thread& t, user_regs_struct& regs);
  Entry enter_connect(Thread& t, user_regs_struct& regs);
  Entry enter_accept(Thread& t, user_regs_struct& regs);
  Entry enter_close(Thread& t, user_regs_struct& regs);
  Entry enter_close_range(Thread& t, user_regs_struct& regs);
  Entry enter_dup(Thread& t, user_regs_struct& regs);
  Entry enter_dup_onto(Thread& t, user_regs_struct& regs);
  Entry enter_exec(Thread& t, user_regs_struct& regs);
  Entry enter_exit_group(Thread& t, user_regs_struct& regs);
  Entry enter_none(Thread& t, user_regs_struct& regs);
  void exit_data(Thread& t, std::int64_t ret);
  void exit_socket(Thread& t, std::int64_t ret);
  void exit_bind(Thread& t, std::int64_t ret);
  void exit_listen(Thread& t, std::int64_t ret);
  void exit_connect(Thread& t, std::int64_t ret);
  void exit_accept(Thread& t, std::int64_t ret);
  void exit_shutdown(Thread& t, std::int64_t ret);
  void exit_fd_pair(Thread& t, std::int64_t ret);
  void exit_dup(Thread& t, std::int64_t ret);
  void exit_exec(Thread& t, std::int64_t ret);
  void exit_none(Thread& t, std::int64_t ret);

  Entry at_point(Thread& t, user_regs_struct& regs, OpClass op, const FdInfo& fdi);
  void crash_before(Thread& t, const FdInfo& fdi, std::size_t fault);
  Event& add_event(Thread& t, Sys sys);
  Event& add_call_event(Thread& t, std::int64_t ret);  // a setup call's event at its exit
  const FdInfo& relearn(Thread& t, const FdResolver::Hint& hint);
  void note_call(Event& e, const PendingCall& c);
  void record_mmsg(Thread& t, std::int64_t ret);
  void record_dgram(Thread& t, Event& e, std::int64_t ret);
  bool defer(Thread& t, const PendingCall& c);
  bool returned(const Event& e, std::uint64_t stops_at_entry) const;
  void close_fd(Thread& t, int fd, Sys why);
  void settle_process(pid_t tgid);
  bool ending() const { return cluster_.phase() == RunPhase::Ending; }

  const Spec& spec_;
  RunOptions opts_;
  RunResult result_;
  std::unordered_map<pid_t, Thread> threads_;
  FdTables fd_tables_;
  TraceeFds tracee_fds_;  // copies of tracee fds, to ask sockets about themselves
  TcpCounters tcp_counters_;
  KernelCounters kernel_counters_;
  ChannelRegistry channels_;
  PeerNames names_;  // which node is behind an endpoint; the points' names and counts
  TcpSettlement tcp_;
  FdResolver fds_;
  FaultInjector faults_;
  Cluster cluster_;
};

}  // namespace fissure::detail
