#include "tracee.hpp"

#include <fmt/format.h>
#include <sys/ptrace.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>

#include "debug_log.hpp"
#include "fissure/tracer/tracer.hpp"

namespace fissure::detail {

namespace {

bool logging() {
  static const bool on = debug_enabled("tracer");
  return on;
}

}  // namespace

bool Tracee::trace_me() noexcept {
  return ptrace(PTRACE_TRACEME, 0, nullptr, nullptr) == 0;
}

int Tracee::seize(pid_t pid, long options) {
  long r = ptrace(PTRACE_SEIZE, pid, nullptr, reinterpret_cast<void*>(options));
  int err = r < 0 ? errno : 0;
  if (logging())
    fmt::print(stderr, "fissure tracer: PTRACE_SEIZE(task {}, {:#x}) = {}{}\n", pid, options, r,
               err ? fmt::format(" ({})", strerror(err)) : "");
  return err;
}

bool Tracee::call(int request, const char* name, void* addr, void* data) const {
  errno = 0;
  long r = ptrace(static_cast<__ptrace_request>(request), tid_, addr, data);
  int err = errno;
  if (logging())
    fmt::print(stderr, "fissure tracer: {}(task {}, {}, {}) = {}{}\n", name, tid_, addr, data, r,
               r < 0 ? fmt::format(" ({})", strerror(err)) : "");
  if (r >= 0) return true;
  if (err == ESRCH) return false;
  throw RunError(fmt::format("tracer: {} on task {} failed: {}", name, tid_, strerror(err)));
}

void Tracee::set_options(long options) const {
  if (!call(PTRACE_SETOPTIONS, "PTRACE_SETOPTIONS", nullptr, reinterpret_cast<void*>(options)))
    throw RunError(
        fmt::format("tracer: PTRACE_SETOPTIONS on task {} failed: {}", tid_, strerror(ESRCH)));
}

std::optional<user_regs_struct> Tracee::regs() const {
  user_regs_struct r{};
  if (!call(PTRACE_GETREGS, "PTRACE_GETREGS", nullptr, &r)) return std::nullopt;
  return r;
}

bool Tracee::set_regs(const user_regs_struct& r) const {
  return call(PTRACE_SETREGS, "PTRACE_SETREGS", nullptr, const_cast<user_regs_struct*>(&r));
}

std::optional<unsigned long> Tracee::event_message() const {
  unsigned long msg = 0;
  if (!call(PTRACE_GETEVENTMSG, "PTRACE_GETEVENTMSG", nullptr, &msg)) return std::nullopt;
  return msg;
}

std::optional<siginfo_t> Tracee::siginfo() const {
  siginfo_t si{};
  // EINVAL is the kernel's answer at a group-stop, which has no siginfo: no error.
  long r = ptrace(PTRACE_GETSIGINFO, tid_, nullptr, &si);
  int err = errno;
  if (logging())
    fmt::print(stderr, "fissure tracer: PTRACE_GETSIGINFO(task {}) = {}{}\n", tid_, r,
               r < 0 ? fmt::format(" ({})", strerror(err)) : "");
  if (r == 0) return si;
  if (err == EINVAL || err == ESRCH) return std::nullopt;
  throw RunError(
      fmt::format("tracer: PTRACE_GETSIGINFO on task {} failed: {}", tid_, strerror(err)));
}

bool Tracee::resume(bool to_exit, int sig) const {
  return to_exit ? call(PTRACE_SYSCALL, "PTRACE_SYSCALL", nullptr,
                        reinterpret_cast<void*>(static_cast<long>(sig)))
                 : call(PTRACE_CONT, "PTRACE_CONT", nullptr,
                        reinterpret_cast<void*>(static_cast<long>(sig)));
}

bool Tracee::listen() const {
  return call(PTRACE_LISTEN, "PTRACE_LISTEN", nullptr, nullptr);
}

std::optional<char> Tracee::state() const {
  std::ifstream in(fmt::format("/proc/{}/stat", tid_));
  std::string stat;
  if (!std::getline(in, stat)) return std::nullopt;
  // The state follows the command name, which may itself hold ") ".
  auto close = stat.rfind(')');
  if (close == std::string::npos || close + 2 >= stat.size()) return std::nullopt;
  return stat[close + 2];
}

}  // namespace fissure::detail
