#include "cluster.hpp"

#include <fmt/format.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <map>

#include "clock.hpp"
#include "sockets.hpp"

namespace fissure::detail {

namespace {

// How long the run's end waits for calls in flight and crashed nodes' exits at most.
constexpr std::uint64_t kEndingWaitNs = 200'000'000;
// How long the teardown's SIGKILLs may take before the run gives up on its processes.
constexpr std::uint64_t kTeardownWaitNs = 10'000'000'000ull;

std::string tail_of_file(const std::filesystem::path& p, std::size_t max_bytes = 400) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return {};
  in.seekg(0, std::ios::end);
  auto size = static_cast<std::size_t>(in.tellg());
  in.seekg(static_cast<std::streamoff>(size > max_bytes ? size - max_bytes : 0));
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

// What a node said last, for a verdict about it: the last line of its stderr, or of its
// stdout when it wrote nothing there. A program that fails says why there.
std::string last_output_line(const std::filesystem::path& run_dir, const std::string& node) {
  for (const char* ext : {".err", ".out"}) {
    std::string tail = tail_of_file(run_dir / (node + ext), 300);
    if (tail.empty()) continue;
    auto nl = tail.find_last_of('\n');
    return nl == std::string::npos ? tail : tail.substr(nl + 1);
  }
  return {};
}

std::string signal_name(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  return abbrev ? fmt::format("{} (SIG{})", sig, abbrev) : std::to_string(sig);
}

}  // namespace

Cluster::Cluster(const Spec& spec, const RunOptions& opts, Trace& trace, FdResolver& fds,
                 Adopt adopt)
    : spec_(spec),
      opts_(opts),
      trace_(trace),
      fds_(fds),
      adopt_(std::move(adopt)),
      launcher_(spec.dir, opts.cpu),
      node_pids_(spec.nodes.size(), 0),
      crashed_(spec.nodes.size(), false) {
  for (const auto& n : spec_.nodes) {
    NodeRecord& rec = trace_.nodes.emplace_back();
    rec.name = n.name;
    rec.workload = n.workload;
    for (const auto& a : n.cmd) rec.argv.push_back(expand_vars(a, opts_.run_dir, spec_.dir));
  }
}

void Cluster::start_namespace_init() {
  ns_init_ = fork();
  if (ns_init_ < 0) throw RunError(fmt::format("fork: {}", strerror(errno)));
  if (ns_init_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    setpgid(0, 0);  // out of the terminal's foreground group: Ctrl-C is for fissure to handle
    for (;;) pause();
  }
}

void Cluster::begin() {
  trace_.start_ns = now_ns();
  deadline_ns_ = trace_.start_ns + static_cast<std::uint64_t>(spec_.timeout.count()) * 1000;
}

pid_t Cluster::spawn(const NodeSpec* node, const std::vector<std::string>& argv,
                     const std::map<std::string, std::string>& env, const std::string& cwd,
                     const std::filesystem::path& out, const std::filesystem::path& err,
                     bool traced, bool append) {
  struct Charge {
    std::uint64_t begin;
    std::uint64_t& total;
    ~Charge() { total += now_ns() - begin; }
  } charge{now_ns(), phase_ == RunPhase::Starting ? clock_.spawning : clock_.spawning_later};
  Launcher::Started started = launcher_.start(argv, env, cwd, out, err, traced, append);
  for (std::uint64_t inode : started.log_inodes) fds_.own_file(inode);
  if (!traced) {
    untraced_.push_back(started.pid);
    return started.pid;
  }
  adopt_(started.pid, static_cast<std::uint32_t>(node - spec_.nodes.data()));
  return started.pid;
}

// A restart appends to the node's .out/.err, so the crashed instance's output stays.
void Cluster::start_node(std::size_t i, bool restart) {
  const NodeSpec& n = spec_.nodes[i];
  const auto& run_dir = opts_.run_dir;
  NodeRecord& rec = trace_.nodes[i];
  std::map<std::string, std::string> env;
  for (const auto& [k, v] : n.env) env[k] = expand_vars(v, run_dir, spec_.dir);
  env["RUN_DIR"] = run_dir.string();
  std::string cwd = n.cwd.empty() ? run_dir.string() : expand_vars(n.cwd, run_dir, spec_.dir);
  if (!n.cwd.empty() && std::filesystem::path(cwd).is_relative()) cwd = (spec_.dir / cwd).string();
  rec.start_ns = now_ns();
  pid_t pid = spawn(&n, rec.argv, env, cwd, run_dir / (n.name + ".out"),
                    run_dir / (n.name + ".err"), n.traced, restart);
  rec.pid = pid;
  rec.end = NodeEnd::Running;
  node_pids_[i] = pid;
  ready_since_ns_ = rec.start_ns;
}

bool Cluster::node_ready(std::size_t i) {
  if (crashed_[i]) return true;  // a fault killed it while starting: the run goes on
  const ReadyCheck& r = spec_.nodes[i].ready;
  switch (r.kind) {
    case ReadyCheck::Kind::Immediate:
      return true;
    case ReadyCheck::Kind::Tcp:
      return tcp_port_listening(r.port);
    case ReadyCheck::Kind::File: {
      std::filesystem::path p = expand_vars(r.path, opts_.run_dir, spec_.dir);
      if (p.is_relative()) p = opts_.run_dir / p;
      return std::filesystem::exists(p);
    }
    case ReadyCheck::Kind::Delay:
      return now_ns() - ready_since_ns_ >= static_cast<std::uint64_t>(r.delay.count()) * 1000;
  }
  return false;
}

bool Cluster::timed_out() {
  if (phase_ == RunPhase::Ending || phase_ == RunPhase::TearingDown || now_ns() <= deadline_ns_)
    return false;
  trace_.end = RunEnd::Timeout;
  std::string waiting;
  if (phase_ == RunPhase::Starting)
    waiting =
        fmt::format(" while waiting for node '{}' to be ready", spec_.nodes[next_node_ - 1].name);
  else if (phase_ == RunPhase::Oracle)
    waiting = " while the oracle ran";
  else
    waiting = " while the workload ran";
  trace_.end_message = fmt::format(
      "timeout after {}ms{}",
      std::chrono::duration_cast<std::chrono::milliseconds>(spec_.timeout).count(), waiting);
  finish(Verdict::failure(VerdictClass::Liveness, trace_.end_message));
  return true;
}

void Cluster::start_due_nodes() {
  while (phase_ == RunPhase::Starting) {
    if (next_node_ > 0 && !node_ready(next_node_ - 1)) return;
    if (next_node_ == spec_.nodes.size()) {
      phase_ = RunPhase::Running;
      clock_.started = now_ns();
      maybe_finish_workload();
      return;
    }
    start_node(next_node_++);
  }
}

std::optional<pid_t> Cluster::restart(std::size_t node) {
  if (phase_ == RunPhase::TearingDown || phase_ == RunPhase::Oracle) return std::nullopt;
  ++trace_.nodes[node].restarts;
  crashed_[node] = false;
  std::uint64_t ready_since = ready_since_ns_;
  start_node(node, true);
  ready_since_ns_ = ready_since;  // a restart does not reset the readiness wait of another node
  return node_pids_[node];
}

pid_t Cluster::kill_node(std::size_t node) {
  crashed_[node] = true;
  pid_t pid = node_pids_[node];
  if (pid > 0) kill(-pid, SIGKILL);
  return pid;
}

bool Cluster::crash_unreaped() const {
  for (std::size_t i = 0; i < node_pids_.size(); ++i)
    if (crashed_[i] && node_pids_[i] > 0 && trace_.nodes[i].end == NodeEnd::Running) return true;
  return false;
}

void Cluster::maybe_finish_workload() {
  if (phase_ != RunPhase::Running) return;
  for (std::size_t i = 0; i < spec_.nodes.size(); ++i)
    if (spec_.nodes[i].workload && trace_.nodes[i].end == NodeEnd::Running) return;
  if (!spec_.oracle.cmd.empty()) {
    start_oracle();
    return;
  }
  std::string wrong_exit = workload_exit_problem();
  finish(wrong_exit.empty() ? Verdict::good("workload finished")
                            : Verdict::failure(VerdictClass::Safety, wrong_exit));
}

// oracle.workload_exit: the first workload node that did not exit with the expected code,
// with its last words. One that a crash fault killed has no exit code to judge, and one that
// died of another signal is a crash (crash_), not a wrong answer.
std::string Cluster::workload_exit_problem() const {
  if (!spec_.oracle.workload_exit) return {};
  for (std::size_t i = 0; i < spec_.nodes.size(); ++i) {
    const NodeRecord& n = trace_.nodes[i];
    if (!spec_.nodes[i].workload || n.end != NodeEnd::Exited ||
        n.exit_code == *spec_.oracle.workload_exit)
      continue;
    std::string said = last_output_line(opts_.run_dir, n.name);
    return fmt::format("workload node '{}' exited with {} (expected {}){}", n.name, n.exit_code,
                       *spec_.oracle.workload_exit, said.empty() ? "" : ": " + said);
  }
  return {};
}

void Cluster::start_oracle() {
  phase_ = RunPhase::Oracle;
  clock_.workload_done = now_ns();
  std::vector<std::string> argv;
  for (const auto& a : spec_.oracle.cmd) argv.push_back(expand_vars(a, opts_.run_dir, spec_.dir));
  std::map<std::string, std::string> env{{"RUN_DIR", opts_.run_dir.string()}};
  auto out = opts_.run_dir / "oracle.out";
  oracle_pid_ = spawn(nullptr, argv, env, opts_.run_dir.string(), out, out, false);
}

void Cluster::exited(pid_t pid, WaitStatus status) {
  if (pid == oracle_pid_) {
    oracle_exited(status);
    return;
  }
  for (std::size_t i = 0; i < node_pids_.size(); ++i)
    if (node_pids_[i] == pid) node_exited(i, status);
}

void Cluster::oracle_exited(WaitStatus status) {
  oracle_pid_ = -1;
  clock_.oracle_done = now_ns();
  std::string out = tail_of_file(opts_.run_dir / "oracle.out", 2000);
  bool good = status.type() == WaitStatus::Type::Exited && status.exit_code() == 0;
  Verdict v = good ? Verdict::good(out) : Verdict::failure(VerdictClass::Safety, out);
  if (v.message.empty())
    v.message = status.type() == WaitStatus::Type::Exited
                    ? fmt::format("oracle exited with {}", status.exit_code())
                    : fmt::format("oracle killed by signal {}", status.fatal_signal());
  if (std::string wrong_exit = workload_exit_problem(); !wrong_exit.empty())
    v = Verdict::failure(VerdictClass::Safety,
                         wrong_exit + (v.message.empty() ? "" : "; oracle: " + v.message));
  finish(v);
}

void Cluster::node_exited(std::size_t i, WaitStatus status) {
  NodeRecord& n = trace_.nodes[i];
  n.end_ns = now_ns();
  if (status.type() == WaitStatus::Type::Exited) {
    n.end = NodeEnd::Exited;
    n.exit_code = status.exit_code();
  } else {
    n.end = phase_ == RunPhase::TearingDown && status.fatal_signal() == SIGKILL ? NodeEnd::Killed
                                                                                : NodeEnd::Signaled;
    n.signal = status.fatal_signal();
    if (n.end == NodeEnd::Signaled && phase_ != RunPhase::TearingDown && !crashed_[i] &&
        crash_.empty()) {
      std::string said = last_output_line(opts_.run_dir, n.name);
      crash_ = fmt::format("{}node '{}' was killed by signal {}{}",
                           spec_.nodes[i].workload ? "workload " : "", n.name,
                           signal_name(n.signal), said.empty() ? "" : ": " + said);
    }
  }
  if (phase_ == RunPhase::Starting && i + 1 == next_node_ && !spec_.nodes[i].workload &&
      !node_ready(i)) {
    trace_.end = RunEnd::StartFailed;
    std::string how = n.end == NodeEnd::Exited ? fmt::format("exited with {}", n.exit_code)
                                               : fmt::format("was killed by signal {}", n.signal);
    std::string err = tail_of_file(opts_.run_dir / (n.name + ".err"));
    trace_.end_message = fmt::format("node '{}' {} before it was ready{}", n.name, how,
                                     err.empty() ? "" : fmt::format(" ({}.err: {})", n.name, err));
    finish({VerdictKind::StartFailed, trace_.end_message, VerdictClass::None});
  }
  maybe_finish_workload();
}

void Cluster::finish(Verdict v) {
  if (finished_) return;
  finished_ = true;
  if (!crash_.empty() && v.kind != VerdictKind::StartFailed)
    v = Verdict::failure(VerdictClass::Crash, crash_);
  verdict_ = std::move(v);
  phase_ = RunPhase::Ending;
  ending_deadline_ns_ = now_ns() + kEndingWaitNs;
}

bool Cluster::ending_overdue() const {
  return now_ns() >= ending_deadline_ns_;
}

// A node that called setsid has left its group: the session kills the tasks it traced too.
void Cluster::kill_all() {
  phase_ = RunPhase::TearingDown;
  clock_.teardown = now_ns();
  for (pid_t pid : node_pids_)
    if (pid > 0) kill(-pid, SIGKILL);
  for (pid_t pid : untraced_) {
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
  }
  if (ns_init_ > 0) kill(ns_init_, SIGKILL);  // and with it whatever else is in the namespace
  teardown_deadline_ns_ = now_ns() + kTeardownWaitNs;
}

bool Cluster::teardown_overdue() const {
  return now_ns() > teardown_deadline_ns_;
}

void Cluster::end() {
  clock_.drained = now_ns();
  for (auto& n : trace_.nodes)
    if (n.end == NodeEnd::Running) n.end = NodeEnd::Killed, n.signal = SIGKILL;
}

}  // namespace fissure::detail
