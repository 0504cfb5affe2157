// The tracer's entry point: checks what a run needs, gives it namespaces of its own, and
// runs its session.
#include <fmt/format.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <exception>
#include <thread>

#include "fissure/tracer/tracer.hpp"
#include "launcher.hpp"
#include "session.hpp"

namespace fissure {

void check_executables(const Spec& spec) {
  auto check = [&](const std::vector<std::string>& cmd, const std::string& who) {
    std::string resolved = detail::resolve_program(cmd.at(0), spec.dir);
    if (resolved.empty())
      throw RunError(
          fmt::format("{}: {}: '{}' not found on PATH", spec.file.string(), who, cmd[0]));
    if (access(resolved.c_str(), X_OK) != 0)
      throw RunError(fmt::format("{}: {}: '{}' is not executable ({})", spec.file.string(), who,
                                 resolved, strerror(errno)));
  };
  for (std::size_t i = 0; i < spec.nodes.size(); ++i)
    check(spec.nodes[i].cmd, fmt::format("node '{}' cmd", spec.nodes[i].name));
  if (!spec.oracle.cmd.empty()) check(spec.oracle.cmd, "oracle.cmd");
}

namespace {

// New network and PID namespaces for the calling thread's children, with loopback up.
void enter_run_namespaces() {
  if (unshare(CLONE_NEWNET | CLONE_NEWPID) != 0)
    throw RunError(fmt::format(
        "cannot give the run network and PID namespaces of its own ({}): run as root, or with "
        "--no-isolation to share this machine's network and processes",
        strerror(errno)));
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  bool up = s >= 0 && ioctl(s, SIOCGIFFLAGS, &ifr) == 0;
  ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP | IFF_RUNNING);
  up = up && ioctl(s, SIOCSIFFLAGS, &ifr) == 0;
  if (s >= 0) close(s);
  if (!up)
    throw RunError(fmt::format("cannot bring up loopback in the run's network namespace: {}",
                               strerror(errno)));
}

}  // namespace

RunResult run_traced(const Spec& spec, const RunOptions& options) {
  check_executables(spec);
  RunOptions opts = options;
  for (const Fault& f : opts.plan.faults)
    if (f.kind == FaultKind::Restart)
      if (auto i = spec.node_index(f.node); i && spec.nodes[*i].workload)
        throw PlanError(
            fmt::format("restart of '{}': a workload node's exit ends the run's workload, so it "
                        "cannot be restarted",
                        f.node));
  // Faults reset connections, and a reset socket leaves sock_diag's tables before the
  // counts of its last calls can be read: runs with faults read every result at its exit.
  if (!opts.plan.faults.empty()) opts.exact_results = true;
  std::error_code ec;
  std::filesystem::create_directories(opts.run_dir, ec);
  if (ec)
    throw RunError(
        fmt::format("cannot create run directory {}: {}", opts.run_dir.string(), ec.message()));
  opts.run_dir = std::filesystem::canonical(opts.run_dir);
  if (access(opts.run_dir.c_str(), W_OK) != 0)
    throw RunError(fmt::format("run directory {} is not writable", opts.run_dir.string()));
  if (!opts.isolate) {
    detail::Session session(spec, opts);
    return session.run();
  }
  // Namespaces belong to a thread: a thread of its own enters them, runs the session and
  // ends, so the caller keeps its own (and the next run starts from them again).
  RunResult result;
  std::exception_ptr failure;
  std::thread runner([&] {
    try {
      enter_run_namespaces();
      detail::Session session(spec, opts);
      result = session.run();
    } catch (const std::exception&) {
      failure = std::current_exception();  // handed to the caller below
    }
  });
  runner.join();
  if (failure) std::rethrow_exception(failure);
  return result;
}

}  // namespace fissure
