#include "seccomp_program.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <unistd.h>

#include <stdexcept>

#include "fissure/tracer/syscalls.hpp"
#include "fissure/tracer/tracer.hpp"

namespace fissure::detail {

SeccompProgram::SeccompProgram() {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (!ctx) throw RunError("seccomp_init failed: is libseccomp usable on this kernel?");
  auto check = [&](int rc, std::string_view what) {
    if (rc < 0) {
      seccomp_release(ctx);
      throw RunError(fmt::format("building the seccomp filter: {}: {}", what, strerror(-rc)));
    }
  };
  for (const SysInfo& row : syscall_table()) {
    if (!row.in_filter()) continue;
    if (row.has(kDupCmdOnly)) {
      for (int cmd : {F_DUPFD, F_DUPFD_CLOEXEC})
        check(seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), row.nr, 1,
                               SCMP_A1(SCMP_CMP_EQ, static_cast<scmp_datum_t>(cmd))),
              row.name);
      continue;
    }
    check(seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), row.nr, 0), row.name);
  }
  int fd = memfd_create("fissure-bpf", MFD_CLOEXEC);
  if (fd < 0) {
    seccomp_release(ctx);
    throw RunError(fmt::format("memfd_create: {}", strerror(errno)));
  }
  check(seccomp_export_bpf(ctx, fd), "export");
  seccomp_release(ctx);
  off_t size = lseek(fd, 0, SEEK_END);
  code_.resize(static_cast<std::size_t>(size) / sizeof(sock_filter));
  if (pread(fd, code_.data(), static_cast<std::size_t>(size), 0) != size) {
    close(fd);
    throw RunError("reading back the exported seccomp filter failed");
  }
  close(fd);
  prog_.len = static_cast<unsigned short>(code_.size());
  prog_.filter = code_.data();
}

const SeccompProgram& tracer_seccomp_program() {
  static const SeccompProgram program;
  return program;
}

}  // namespace fissure::detail
