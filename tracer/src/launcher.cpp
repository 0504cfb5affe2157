#include "launcher.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "fissure/tracer/tracer.hpp"
#include "owned_fd.hpp"
#include "seccomp_program.hpp"
#include "tracee.hpp"

namespace fissure::detail {

// Resolves cmd[0] the way the spec promises: "./x" and "../x" against the spec's folder,
// absolute paths as they are, bare names on PATH.
std::string resolve_program(const std::string& prog, const std::filesystem::path& spec_dir) {
  if (prog.starts_with("./") || prog.starts_with("../"))
    return (spec_dir / prog).lexically_normal().string();
  if (prog.find('/') != std::string::npos) return prog;
  const char* path = getenv("PATH");
  std::string_view dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  while (!dirs.empty()) {
    auto colon = dirs.find(':');
    std::string dir(dirs.substr(0, colon));
    std::string candidate = (dir.empty() ? "." : dir) + "/" + prog;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
    dirs = colon == std::string_view::npos ? std::string_view{} : dirs.substr(colon + 1);
  }
  return {};
}

Launcher::Started Launcher::start(const std::vector<std::string>& argv,
                                  const std::map<std::string, std::string>& env,
                                  const std::string& cwd, const std::filesystem::path& out,
                                  const std::filesystem::path& err, bool traced,
                                  bool append) const {
  // Everything the child needs is prepared here: between fork and exec only
  // async-signal-safe calls are allowed (the explorer runs several sessions in threads).
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) {
    std::string_view kv(*e);
    auto eq = kv.find('=');
    if (!env.contains(std::string(kv.substr(0, eq)))) env_strings.emplace_back(kv);
  }
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp, args;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (auto& a : argv_copy) args.push_back(a.data());
  args.push_back(nullptr);
  std::string program = resolve_program(argv[0], spec_dir_);
  const int mode = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC);
  detail::OwnedFd out_owned(open(out.c_str(), mode, 0644));
  if (!out_owned)
    throw RunError(fmt::format("cannot create {}: {}", out.string(), strerror(errno)));
  detail::OwnedFd err_owned(out == err ? -1 : open(err.c_str(), mode, 0644));
  if (out != err && !err_owned)
    throw RunError(fmt::format("cannot create {}: {}", err.string(), strerror(errno)));
  detail::OwnedFd null_owned(open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!null_owned) throw RunError(fmt::format("cannot open /dev/null: {}", strerror(errno)));
  // Plain ints for the child, which may only make async-signal-safe calls.
  const int out_fd = out_owned.get();
  const int err_fd = out == err ? out_fd : err_owned.get();
  const int null_fd = null_owned.get();
  Launcher::Started started;
  for (int fd : {out_fd, err_fd}) {
    struct stat st {};
    if (fstat(fd, &st) == 0) started.log_inodes.push_back(st.st_ino);
  }
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  if (cpu_ >= 0) CPU_SET(cpu_, &cpus);
  const sock_fprog* filter = traced ? detail::tracer_seccomp_program().prog() : nullptr;
  // A traced child waits for a byte on this pipe: it is seized by then, with the options
  // set, and may install its filter. EOF (the tracer gave up) ends it.
  int go[2] = {-1, -1};
  if (traced && pipe2(go, O_CLOEXEC) != 0)
    throw RunError(fmt::format("pipe2: {}", strerror(errno)));
  detail::OwnedFd go_read(go[0]), go_write(go[1]);

  pid_t pid = fork();
  if (pid < 0) throw RunError(fmt::format("fork: {}", strerror(errno)));
  if (pid == 0) {
    setpgid(0, 0);
    if (cpu_ >= 0) sched_setaffinity(0, sizeof cpus, &cpus);
    dup2(null_fd, 0);
    dup2(out_fd, 1);
    dup2(err_fd, 2);
    if (chdir(cwd.c_str()) != 0) _exit(126);
    if (traced) {
      close(go[1]);
      char byte = 0;
      if (read(go[0], &byte, 1) != 1) _exit(125);
      if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) _exit(125);
      if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, filter) != 0) _exit(125);
    }
    execve(program.c_str(), args.data(), envp.data());
    _exit(127);
  }
  null_owned = {};
  out_owned = {};
  err_owned = {};
  setpgid(pid, pid);  // also from this side, so a kill of the group cannot race the child
  started.pid = pid;
  if (!traced) return started;
  go_read = {};
  // Seized, not PTRACE_TRACEME'd: only a seized task's group-stops can be left stopped
  // (PTRACE_LISTEN), so that SIGSTOP and SIGCONT work on a node as they do untraced.
  long options = PTRACE_O_EXITKILL | PTRACE_O_TRACESECCOMP | PTRACE_O_TRACEFORK |
                 PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC |
                 PTRACE_O_TRACESYSGOOD;
  if (int err = Tracee::seize(pid, options)) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, __WALL);
    throw RunError(
        fmt::format("{}: cannot trace the child: PTRACE_SEIZE failed: {}; "
                    "is ptrace allowed here (kernel.yama.ptrace_scope, seccomp)?",
                    argv[0], strerror(err)));
  }
  char byte = 1;
  if (write(go_write.get(), &byte, 1) != 1)
    throw RunError(fmt::format("{}: cannot start the child: {}", argv[0], strerror(errno)));
  return started;
}

}  // namespace fissure::detail
