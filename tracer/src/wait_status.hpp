// What one waitpid status says about a traced task, decoded once instead of `status >> 16`
// tests where it is used (after rr's WaitStatus).
#pragma once

#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

namespace fissure::detail {

class WaitStatus {
 public:
  enum class Type {
    Exited,       // exit(): exit_code()
    Killed,       // died of a signal: fatal_signal()
    SyscallStop,  // a syscall-exit stop we asked for (PTRACE_O_TRACESYSGOOD)
    PtraceEvent,  // seccomp, fork/vfork/clone, exec: ptrace_event()
    SignalStop,   // a signal about to be delivered, or a group-stop: stop_signal()
  };

  constexpr explicit WaitStatus(int status) : status_(status) {}

  constexpr Type type() const {
    if (WIFEXITED(status_)) return Type::Exited;
    if (WIFSIGNALED(status_)) return Type::Killed;
    if (stop_signal() == (SIGTRAP | 0x80)) return Type::SyscallStop;
    if (ptrace_event() != 0 && !group_stop()) return Type::PtraceEvent;
    return Type::SignalStop;
  }
  constexpr bool gone() const { return WIFEXITED(status_) || WIFSIGNALED(status_); }
  constexpr bool stopped() const { return WIFSTOPPED(status_); }
  constexpr int exit_code() const { return WIFEXITED(status_) ? WEXITSTATUS(status_) : -1; }
  constexpr int fatal_signal() const { return WIFSIGNALED(status_) ? WTERMSIG(status_) : 0; }
  constexpr int stop_signal() const { return WIFSTOPPED(status_) ? WSTOPSIG(status_) : 0; }
  // PTRACE_EVENT_* of an event stop, 0 otherwise.
  constexpr int ptrace_event() const { return WIFSTOPPED(status_) ? (status_ >> 16) & 0xff : 0; }
  constexpr bool seccomp_stop() const { return ptrace_event() == PTRACE_EVENT_SECCOMP; }
  constexpr bool spawn_event() const {
    int e = ptrace_event();
    return e == PTRACE_EVENT_FORK || e == PTRACE_EVENT_VFORK || e == PTRACE_EVENT_CLONE;
  }
  constexpr bool exec_event() const { return ptrace_event() == PTRACE_EVENT_EXEC; }
  // A group-stop of a PTRACE_SEIZEd task: the stop signal with PTRACE_EVENT_STOP.
  constexpr bool group_stop() const { return ptrace_event() == PTRACE_EVENT_STOP; }
  constexpr int raw() const { return status_; }

 private:
  int status_;
};

}  // namespace fissure::detail
