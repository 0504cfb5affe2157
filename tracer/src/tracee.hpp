// One traced task, and every raw ptrace call the tracer makes on it. Each call is checked:
// a task that is gone (ESRCH: killed meanwhile, its exit status still to come through
// waitpid) is an answer the caller handles; any other failure throws a RunError that names
// the call and the task. FISSURE_DEBUG=tracer logs every call on stderr.
#pragma once

#include <signal.h>
#include <sys/types.h>
#include <sys/user.h>

#include <optional>

namespace fissure::detail {

class Tracee {
 public:
  explicit Tracee(pid_t tid) : tid_(tid) {}
  pid_t tid() const { return tid_; }

  // In the child, between fork and exec: asks to be traced by the parent. Async-signal-safe.
  static bool trace_me() noexcept;
  // Traces `pid` from now on with these options (PTRACE_SEIZE: no stop). 0 on success, else
  // the errno.
  static int seize(pid_t pid, long options);

  void set_options(long options) const;
  // nullopt when the task is gone.
  std::optional<user_regs_struct> regs() const;
  // false when the task is gone.
  bool set_regs(const user_regs_struct& regs) const;
  // The message of the last ptrace event (a new task's tid, exec's former tid); nullopt when
  // the task is gone.
  std::optional<unsigned long> event_message() const;
  // The signal of a signal-delivery stop; nullopt at a group-stop (EINVAL: no siginfo).
  std::optional<siginfo_t> siginfo() const;
  // Resumes the task, to its next syscall exit when `to_exit`, with signal `sig`. false when
  // the task is gone.
  bool resume(bool to_exit, int sig = 0) const;
  // Resumes a task in group-stop without ending the stop (PTRACE_LISTEN, seized tasks).
  bool listen() const;
  // The task's scheduler state from /proc (R running or runnable, S/D asleep, t in a ptrace
  // stop, ...); nullopt when it is gone.
  std::optional<char> state() const;

 private:
  // The checked call: true on success, false on ESRCH, throws otherwise.
  bool call(int request, const char* name, void* addr, void* data) const;
  pid_t tid_;
};

}  // namespace fissure::detail
