// The seccomp filter every traced node installs before its exec.
#pragma once

#include <linux/filter.h>

#include <vector>

namespace fissure::detail {

// The BPF program that stops (SCMP_ACT_TRACE) only at the syscalls of the syscall table,
// built once with libseccomp and exported, so a freshly forked child can install it with a
// single prctl (no allocation between fork and exec).
class SeccompProgram {
 public:
  SeccompProgram();
  const sock_fprog* prog() const { return &prog_; }

 private:
  std::vector<sock_filter> code_;
  sock_fprog prog_{};
};

const SeccompProgram& tracer_seccomp_program();

}  // namespace fissure::detail
