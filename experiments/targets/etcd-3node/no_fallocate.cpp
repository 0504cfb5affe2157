// no_fallocate PROGRAM ARGS...: runs PROGRAM with fallocate(2) failing with EOPNOTSUPP.
//
// etcd preallocates each 64 MB WAL segment, and the next one, with fallocate: 370 MB of
// disk per run of three members, 36 GB for a campaign of 100 runs, which filled this
// machine's disk. On EOPNOTSUPP etcd takes its own fallback for filesystems without
// fallocate (ftruncate to the same size), so the files are sparse and a run uses kilobytes.
// Nothing else about the member changes. A seccomp filter outlives exec and stacks with the
// tracer's (an errno result takes precedence over a trace stop).
#include <seccomp.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: no_fallocate PROGRAM ARGS...\n");
    return 2;
  }
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (!ctx || seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EOPNOTSUPP), SCMP_SYS(fallocate), 0) != 0 ||
      seccomp_load(ctx) != 0) {
    std::fprintf(stderr, "no_fallocate: cannot install the seccomp filter\n");
    return 2;
  }
  seccomp_release(ctx);
  execvp(argv[1], argv + 1);
  std::fprintf(stderr, "no_fallocate: cannot run %s: %s\n", argv[1], std::strerror(errno));
  return 127;
}
