#include "inject.hpp"

#include <signal.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <cerrno>

namespace fissure::detail {

namespace {
constexpr std::uint64_t kSyscallInsnLen = 2;  // x86-64 "syscall" (0f 05)
}

Injector::Injector(pid_t tid, const user_regs_struct& regs, bool at_entry)
    : tid_(tid),
      saved_(regs),
      at_entry_(at_entry),
      scratch_((regs.rsp - 1024) & ~std::uint64_t{15}) {}

Injector::~Injector() {
  if (!used_ || died_) return;
  user_regs_struct r = saved_;
  if (result_) {
    // The original syscall does not run: the tracee sees `result_` as its return value.
    r.rax = static_cast<std::uint64_t>(*result_);
  } else if (at_entry_) {
    // The original syscall was replaced by ours: execute its instruction again.
    r.rip -= kSyscallInsnLen;
    r.rax = saved_.orig_rax;
  }
  ptrace(PTRACE_SETREGS, tid_, nullptr, &r);
}

bool Injector::write(std::uint64_t addr, const void* data, std::size_t len) {
  iovec local{const_cast<void*>(data), len};
  iovec remote{reinterpret_cast<void*>(addr), len};
  return process_vm_writev(tid_, &local, 1, &remote, 1, 0) == static_cast<ssize_t>(len);
}

bool Injector::wait_syscall_stop() {
  for (;;) {
    int status = 0;
    pid_t got = waitpid(tid_, &status, __WALL);
    if (got < 0 && errno == EINTR) continue;  // the tracer's own tick timer
    if (got != tid_) return false;
    if (WIFEXITED(status) || WIFSIGNALED(status)) {
      died_ = status;
      return false;
    }
    if (WIFSTOPPED(status) && WSTOPSIG(status) == (SIGTRAP | 0x80)) return true;
    // A signal arrived meanwhile: hold it back and deliver it when the tracee resumes for real.
    if (WIFSTOPPED(status) && (status >> 16) == 0 && WSTOPSIG(status) != SIGTRAP)
      pending_signal_ = WSTOPSIG(status);
    ptrace(PTRACE_SYSCALL, tid_, nullptr, nullptr);
  }
}

std::optional<long> Injector::call(long nr, std::array<std::uint64_t, 6> args) {
  if (died_) return std::nullopt;
  user_regs_struct r = saved_;
  r.rdi = args[0];
  r.rsi = args[1];
  r.rdx = args[2];
  r.r10 = args[3];
  r.r8 = args[4];
  r.r9 = args[5];
  bool replace_entry = at_entry_ && !used_;
  if (replace_entry) {
    r.orig_rax = static_cast<std::uint64_t>(nr);
  } else {
    r.rax = static_cast<std::uint64_t>(nr);
    r.rip = saved_.rip - kSyscallInsnLen;
  }
  used_ = true;
  if (ptrace(PTRACE_SETREGS, tid_, nullptr, &r) != 0) return std::nullopt;
  if (!replace_entry) {  // run to the injected syscall's entry first
    if (ptrace(PTRACE_SYSCALL, tid_, nullptr, nullptr) != 0 || !wait_syscall_stop())
      return std::nullopt;
  }
  if (ptrace(PTRACE_SYSCALL, tid_, nullptr, nullptr) != 0 || !wait_syscall_stop())
    return std::nullopt;
  user_regs_struct out;
  if (ptrace(PTRACE_GETREGS, tid_, nullptr, &out) != 0) return std::nullopt;
  return static_cast<long>(out.rax);
}

}  // namespace fissure::detail
