// Runs syscalls inside a stopped tracee, the way the tracee itself would: the only way to
// learn a socket's endpoints without walking the kernel's whole TCP table through /proc
// (several ms per read on a large machine).
#pragma once

#include <sys/types.h>
#include <sys/user.h>

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>

namespace fissure::detail {

class Injector {
 public:
  // `at_entry`: the tracee is at a seccomp (syscall-entry) stop; the first injected call
  // replaces its syscall, and finish() rewinds so the original syscall runs afterwards
  // (it comes back as a fresh seccomp stop). Otherwise the tracee is at a syscall-exit stop.
  // `on_other_stop` receives any unrelated stop status of the tid while we wait (a signal).
  Injector(pid_t tid, const user_regs_struct& regs, bool at_entry);
  ~Injector();

  // The raw return value (-errno on failure), or nullopt if the task vanished.
  std::optional<long> call(long nr, std::array<std::uint64_t, 6> args);
  // Scratch memory in the tracee (below its stack's red zone).
  std::uint64_t scratch() const { return scratch_; }
  bool write(std::uint64_t addr, const void* data, std::size_t len);
  bool consumed_syscall() const { return at_entry_ && used_; }
  // At entry, after call(): instead of letting the original syscall run afterwards, make it
  // return `value` (a fault that fails the call after acting on the tracee's socket).
  void skip_with_result(long value) { result_ = value; }
  int pending_signal() const { return pending_signal_; }
  // Exit status if the task died while we ran calls in it.
  std::optional<int> died() const { return died_; }

 private:
  bool wait_syscall_stop();
  pid_t tid_;
  user_regs_struct saved_;
  bool at_entry_;
  bool used_ = false;
  std::uint64_t scratch_;
  int pending_signal_ = 0;
  std::optional<int> died_;
  std::optional<long> result_;
};

}  // namespace fissure::detail
