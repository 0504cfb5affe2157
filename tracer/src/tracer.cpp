#include "fissure/tracer/tracer.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <linux/close_range.h>
#include <linux/seccomp.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <exception>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "channel_registry.hpp"
#include "clock.hpp"
#include "debug_log.hpp"
#include "fd_table.hpp"
#include "launcher.hpp"
#include "peer_names.hpp"
#include "seccomp_filter.hpp"
#include "sockets.hpp"
#include "tcp_settlement.hpp"
#include "tracee.hpp"
#include "wait_status.hpp"

namespace fissure {

namespace {

using detail::FdInfo;
using detail::FdTable;
using detail::FdTarget;
using detail::SockDesc;
using detail::SockProto;
using detail::Tracee;
using detail::WaitStatus;

using detail::concrete_local;
using detail::now_ns;
using detail::port_of;
using detail::resolve_program;
using detail::stable_file_name;

// Set by the run's interval timer; the loop looks at its clocks only when it is set, so a
// ptrace stop costs no clock or /proc reads.
volatile sig_atomic_t g_tick = 0;
void tick_handler(int) {
  g_tick = 1;
}

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

struct PendingCall {
  const SysInfo* info = nullptr;
  std::array<std::uint64_t, 6> args{};
  int fd = -1;
  FdInfo fdi;
  std::int64_t asked = 0;
  std::string head;  // a send's first bytes, read at its entry (Event::head)
  std::string peer;  // from the entry: connect/bind/sendto address, exec path
  // Fault injection.
  InjectionPoint point;                    // where this call is, if a fault could land here
  std::optional<long> forced;              // the call is skipped and returns this
  std::optional<std::size_t> crash_after;  // crash the node once the call has returned
  std::optional<std::size_t> fires;        // the planned fault this call fires (delay, partition)
  std::uint64_t delay_until = 0;           // keep the thread stopped until then
  bool injected = false;
};

struct Thread {
  pid_t tid = 0;
  pid_t tgid = 0;
  std::uint32_t node = 0;
  std::uint64_t seq = 0;
  bool initial_stop = false;  // its first SIGSTOP has been seen
  bool in_call = false;
  std::uint64_t stops = 0;  // every stop of this thread: a call it started before has returned
  PendingCall call;
};

// Ending: the verdict is known; tasks finish what was already under way (see settled()).
enum class Phase { Starting, Running, Oracle, Ending, TearingDown };

// How long the run's end waits for calls in flight and crashed nodes' exits at most.
constexpr std::uint64_t kEndingWaitNs = 200'000'000;

class Session {
 public:
  Session(const Spec& spec, const RunOptions& opts)
      : spec_(spec),
        opts_(opts),
        launcher_(spec.dir, opts.cpu),
        kernel_counters_(tcp_counters_, tracee_fds_),
        channels_(result_.trace.channels),
        names_(spec, tcp_counters_, result_.trace.channels, opts.run_dir),
        tcp_(result_.trace.events, channels_.sent, channels_.received, kernel_counters_,
             [this](const Event& e, std::uint64_t stops) { return returned(e, stops); }) {}
  RunResult run();

 private:
  // Cluster lifecycle.
  pid_t spawn(const NodeSpec* node, const std::vector<std::string>& argv,
              const std::map<std::string, std::string>& env, const std::string& cwd,
              const std::filesystem::path& out, const std::filesystem::path& err, bool traced,
              bool append = false);
  // A restart appends to the node's .out/.err, so the crashed instance's output stays.
  void start_node(std::size_t i, bool restart = false);
  bool node_ready(std::size_t i);
  void on_tick();
  void close_fd(Thread& t, int fd, Sys why);
  void release_due_faults();
  void maybe_finish_workload();
  std::string workload_exit_problem() const;
  void start_oracle();
  void finish(Verdict v);
  bool settled() const;
  void end_when_settled();
  void teardown();

  // ptrace.
  void on_wait(pid_t tid, WaitStatus status);
  void on_task_exit(pid_t tid, WaitStatus status);
  void on_seccomp(Thread& t);
  void on_syscall_exit(Thread& t);
  void on_spawn(Thread& t, int event);
  void on_exec(Thread& t);
  void resume(pid_t tid, bool want_exit, int sig = 0);
  Thread& adopt(pid_t tid, pid_t tgid, std::uint32_t node);

  // fds and channels.
  FdTable& fds(pid_t tgid) { return fd_tables_.of(tgid); }
  // What the tracer may assume about a socket it has not seen connect or accept.
  struct ResolveHint {
    enum class Role { Unknown, Connector, Acceptor } role = Role::Unknown;
    std::string remote;  // connect's address: a non-blocking connect has no peer name yet
  };
  FdInfo& fd_info(pid_t tgid, int fd) { return fd_info(tgid, fd, ResolveHint()); }
  FdInfo& fd_info(pid_t tgid, int fd, const ResolveHint& hint);
  FdInfo resolve(pid_t tgid, int fd, const ResolveHint& hint);
  bool describe_inet(pid_t tgid, int fd, FdInfo& out, const ResolveHint& hint);
  void track_tcp(const FdInfo& fdi, int copy);
  void settle(std::uint64_t inode, bool force = false) { tcp_.settle(inode, force); }
  bool returned(const Event& e, std::uint64_t stops_at_entry) const;
  void settle_where(const std::function<bool(const Event&)>& owner, bool force = false) {
    tcp_.settle_where(owner, force);
  }
  bool defer(Thread& t, const PendingCall& c);

  // Fault injection.
  std::string peer_of(const Thread& t, const PendingCall& c, OpClass op, const FdInfo& fdi) {
    return names_.peer_of(t.node, c.peer, op, fdi);
  }
  InjectionPoint make_point(const Thread& t, OpClass op, std::string peer) {
    return names_.point(t.node, op, std::move(peer));
  }
  // Applies the plan at this call. True when it has fully handled the stop (the node was
  // crashed, or the call failed in place); otherwise it may have marked the call in `c`.
  bool apply_faults(Thread& t, PendingCall& c, user_regs_struct& regs, const FdInfo& fdi);
  bool cut_by_partition(const Thread& t, const std::string& peer) const;
  void note_call(Event& e, const PendingCall& c);
  void fire(std::size_t fault, std::uint64_t event, std::string note);
  void crash_node(std::size_t node, std::size_t fault, std::uint64_t event);
  void skip_call(Thread& t, PendingCall& c, user_regs_struct& regs, long result);
  bool break_connection(pid_t tgid, const PendingCall& c);
  void forget_fd(pid_t tgid, int fd);
  std::int32_t channel(ChannelKind kind, const std::string& key, const std::string& a,
                       const std::string& b, const std::string& label) {
    return channels_.get(kind, key, a, b, label);
  }
  std::int32_t dgram_channel(const FdInfo& fdi, const std::string& peer, bool sending,
                             EventDir& dir) {
    return channels_.datagram(fdi, peer, sending, dir);
  }
  std::string file_label(const std::string& path) const { return names_.file_label(path); }

  Event& add_event(Thread& t, Sys sys);
  void record_data(Thread& t, const user_regs_struct& regs);
  std::int64_t bytes_asked(pid_t tid, const PendingCall& c);
  static std::string bytes_head(pid_t tid, const PendingCall& c);

  const Spec& spec_;
  RunOptions opts_;
  detail::Launcher launcher_;
  RunResult result_;
  Phase phase_ = Phase::Starting;
  std::uint64_t deadline_ns_ = 0;
  std::uint64_t teardown_deadline_ns_ = 0;
  std::uint64_t ending_deadline_ns_ = 0;
  std::size_t next_node_ = 0;         // next node to start
  std::uint64_t ready_since_ns_ = 0;  // start time of the node we wait on
  std::vector<pid_t> node_pids_;      // main process of each node (0 = not started)
  std::vector<pid_t> untraced_;       // untraced processes we started (nodes, oracle)
  pid_t oracle_pid_ = 0;
  pid_t ns_init_ = 0;  // init of the run's PID namespace (isolated runs)
  bool finished_ = false;
  // The first node that died of a signal fissure did not send (its crash faults and the
  // teardown): the run is a crash whatever else it shows. Empty when none did.
  std::string crash_;

  std::unordered_map<pid_t, Thread> threads_;
  detail::FdTables fd_tables_;
  std::unordered_set<std::uint64_t> own_files_;  // inodes of the run's .out/.err logs
  detail::SocketTable sockets_;                  // unix sockets
  detail::TcpCounters tcp_counters_;

  // Fault injection: which node is behind an endpoint, counts that make points, and the
  // faults in progress.
  std::vector<bool> fault_fired_;
  std::vector<bool> crashed_;  // per node: killed by a crash fault, not restarted since
  struct Delayed {
    pid_t tid;
    std::uint64_t until_ns;
    bool want_exit;
    int sig;
  };
  std::vector<Delayed> delayed_;
  struct PendingRestart {
    std::size_t node, fault;
    std::uint64_t at_ns;
  };
  std::vector<PendingRestart> restarts_;
  struct ActivePartition {
    std::size_t fault;
    std::uint64_t until_ns;  // 0: never heals
  };
  std::vector<ActivePartition> partitions_;
  detail::TraceeFds tracee_fds_;  // copies of tracee fds, to ask sockets about themselves

  // Where the run's wall time went (FISSURE_DEBUG=phases): the ends of its phases, and the
  // time spent inside spawn() (fork, exec's first stop, ptrace options) while starting.
  struct PhaseClock {
    std::uint64_t begin = 0, started = 0, workload_done = 0, oracle_done = 0, teardown = 0,
                  drained = 0, spawning = 0, spawning_later = 0;
  } clock_;
  void print_phases() const;

  // TCP sockets whose data calls run without an exit stop (see Event::inferred).
  class KernelCounters : public detail::TcpCounterSource {
   public:
    KernelCounters(detail::TcpCounters& diag, detail::TraceeFds& fds) : diag_(diag), fds_(fds) {}
    // sock_diag finds sockets still in the connection table (a few microseconds); after a
    // reset or a FIN they have left it, and a copy of a pending call's fd (open at every
    // settle point but a thread's exit) asks the socket itself. Copying an fd costs far more.
    std::optional<detail::TcpTotals> totals(
        const std::string& local, const std::string& remote, std::uint64_t inode,
        const std::vector<std::pair<pid_t, int>>& holders) override {
      std::optional<detail::TcpTotals> now = diag_.query(local, remote, inode);
      for (const auto& [pid, fd] : holders) {
        if (now) break;
        if (detail::OwnedFd copy = fds_.copy(pid, fd, inode)) now = detail::tcp_totals(copy.get());
      }
      return now;
    }

   private:
    detail::TcpCounters& diag_;
    detail::TraceeFds& fds_;
  } kernel_counters_;
  detail::ChannelRegistry channels_;
  // Fault injection: which node is behind an endpoint, and the points' names and counts.
  detail::PeerNames names_;
  detail::TcpSettlement tcp_;
};

// ---------------------------------------------------------------------------------------
// Cluster lifecycle

pid_t Session::spawn(const NodeSpec* node, const std::vector<std::string>& argv,
                     const std::map<std::string, std::string>& env, const std::string& cwd,
                     const std::filesystem::path& out, const std::filesystem::path& err,
                     bool traced, bool append) {
  struct Charge {
    std::uint64_t begin;
    std::uint64_t& total;
    ~Charge() { total += now_ns() - begin; }
  } charge{now_ns(), phase_ == Phase::Starting ? clock_.spawning : clock_.spawning_later};
  detail::Launcher::Started started = launcher_.start(argv, env, cwd, out, err, traced, append);
  own_files_.insert(started.log_inodes.begin(), started.log_inodes.end());
  if (!traced) {
    untraced_.push_back(started.pid);
    return started.pid;
  }
  Thread& t =
      adopt(started.pid, started.pid, static_cast<std::uint32_t>(node - spec_.nodes.data()));
  t.initial_stop = true;
  resume(started.pid, false);
  return started.pid;
}

void Session::start_node(std::size_t i, bool restart) {
  const NodeSpec& n = spec_.nodes[i];
  const auto& run_dir = opts_.run_dir;
  NodeRecord& rec = result_.trace.nodes[i];
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

bool Session::node_ready(std::size_t i) {
  if (crashed_[i]) return true;  // a fault killed it while starting: the run goes on
  const ReadyCheck& r = spec_.nodes[i].ready;
  switch (r.kind) {
    case ReadyCheck::Kind::Immediate:
      return true;
    case ReadyCheck::Kind::Tcp:
      return detail::tcp_port_listening(r.port);
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

// Runs on every timer tick and after every node start: starts the next node once the
// previous one is ready, and enforces the run's timeout.
void Session::on_tick() {
  if (phase_ == Phase::Ending) return;  // the run has its verdict: no timeout, faults or starts
  if (phase_ != Phase::TearingDown && now_ns() > deadline_ns_) {
    result_.trace.end = RunEnd::Timeout;
    std::string waiting;
    if (phase_ == Phase::Starting)
      waiting =
          fmt::format(" while waiting for node '{}' to be ready", spec_.nodes[next_node_ - 1].name);
    else if (phase_ == Phase::Oracle)
      waiting = " while the oracle ran";
    else
      waiting = " while the workload ran";
    result_.trace.end_message = fmt::format(
        "timeout after {}ms{}",
        std::chrono::duration_cast<std::chrono::milliseconds>(spec_.timeout).count(), waiting);
    finish(Verdict::failure(VerdictClass::Liveness, result_.trace.end_message));
    return;
  }
  release_due_faults();
  while (phase_ == Phase::Starting) {
    if (next_node_ > 0 && !node_ready(next_node_ - 1)) return;
    if (next_node_ == spec_.nodes.size()) {
      phase_ = Phase::Running;
      clock_.started = now_ns();
      maybe_finish_workload();
      return;
    }
    start_node(next_node_++);
  }
}

// Delayed calls whose time has come go on; crashed nodes due for a restart start again.
// An fd is going away (close, close_range, dup2 onto it, exec): its socket's pending counts
// are read first, and a channel's close is recorded.
void Session::close_fd(Thread& t, int fd, Sys why) {
  const FdInfo* found = fds(t.tgid).find(fd);
  if (!found) return;
  const FdInfo& fi = *found;
  if (fi.kind == FdInfo::Kind::Socket) settle(fi.inode);
  if ((fi.kind == FdInfo::Kind::Socket || fi.kind == FdInfo::Kind::Pipe) && fi.carries_data()) {
    Event& e = add_event(t, why);
    e.fd = fd;
    e.channel = fi.channel;
    e.dir = fi.send_dir();
  }
  forget_fd(t.tgid, fd);
}

void Session::release_due_faults() {
  std::uint64_t now = now_ns();
  std::erase_if(delayed_, [&](const Delayed& d) {
    if (d.until_ns > now) return false;
    if (threads_.contains(d.tid)) resume(d.tid, d.want_exit, d.sig);
    return true;
  });
  std::vector<PendingRestart> due;
  std::erase_if(restarts_, [&](const PendingRestart& r) {
    if (r.at_ns > now) return false;
    due.push_back(r);
    return true;
  });
  for (const auto& r : due) {
    if (phase_ == Phase::TearingDown || phase_ == Phase::Oracle) continue;
    NodeRecord& rec = result_.trace.nodes[r.node];
    ++rec.restarts;
    crashed_[r.node] = false;
    std::uint64_t ready_since = ready_since_ns_;
    start_node(r.node, true);
    ready_since_ns_ = ready_since;  // a restart does not reset the readiness wait of another node
    fire(r.fault, result_.trace.events.empty() ? 0 : result_.trace.events.size() - 1,
         fmt::format("restarted node '{}' as pid {}", rec.name, node_pids_[r.node]));
  }
}

void Session::maybe_finish_workload() {
  if (phase_ != Phase::Running) return;
  for (std::size_t i = 0; i < spec_.nodes.size(); ++i)
    if (spec_.nodes[i].workload && result_.trace.nodes[i].end == NodeEnd::Running) return;
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
std::string Session::workload_exit_problem() const {
  if (!spec_.oracle.workload_exit) return {};
  for (std::size_t i = 0; i < spec_.nodes.size(); ++i) {
    const NodeRecord& n = result_.trace.nodes[i];
    if (!spec_.nodes[i].workload || n.end != NodeEnd::Exited ||
        n.exit_code == *spec_.oracle.workload_exit)
      continue;
    std::string said = last_output_line(opts_.run_dir, n.name);
    return fmt::format("workload node '{}' exited with {} (expected {}){}", n.name, n.exit_code,
                       *spec_.oracle.workload_exit, said.empty() ? "" : ": " + said);
  }
  return {};
}

void Session::start_oracle() {
  phase_ = Phase::Oracle;
  clock_.workload_done = now_ns();
  std::vector<std::string> argv;
  for (const auto& a : spec_.oracle.cmd) argv.push_back(expand_vars(a, opts_.run_dir, spec_.dir));
  std::map<std::string, std::string> env{{"RUN_DIR", opts_.run_dir.string()}};
  auto out = opts_.run_dir / "oracle.out";
  oracle_pid_ = spawn(nullptr, argv, env, opts_.run_dir.string(), out, out, false);
}

void Session::finish(Verdict v) {
  if (finished_) return;
  finished_ = true;
  if (!crash_.empty() && v.kind != VerdictKind::StartFailed)
    v = Verdict::failure(VerdictClass::Crash, crash_);
  result_.verdict = std::move(v);
  phase_ = Phase::Ending;
  ending_deadline_ns_ = now_ns() + kEndingWaitNs;
  end_when_settled();
}

// Whether what was under way when the verdict came has got where it was going, so that the
// teardown's kill cuts nothing short that would have happened anyway: a node a crash fault
// SIGKILLed has been reaped (it died of fissure's fault, not of the teardown), and no task
// with a call the trace waits on (a TCP call without exit stop, or one whose exit stop is
// due) is runnable or in a stop not yet handled. On one CPU with the tracer, a task resumed
// into a read whose data or FIN has arrived has not run yet when the workload's exit ends the
// run; killed then, its read would be recorded as cut short by a teardown that came first
// only because of tracing. Tasks go on (no new fault fires) until they block or exit, for at
// most kEndingWaitNs.
bool Session::settled() const {
  for (std::size_t i = 0; i < node_pids_.size(); ++i)
    if (crashed_[i] && node_pids_[i] > 0 && result_.trace.nodes[i].end == NodeEnd::Running)
      return false;
  std::unordered_set<pid_t> waiting;
  for (const Event* e : tcp_.in_flight()) waiting.insert(e->tid);
  for (const auto& [tid, t] : threads_)
    if (t.in_call) waiting.insert(tid);
  for (pid_t tid : waiting) {
    if (!threads_.contains(tid)) continue;
    std::optional<char> state = Tracee(tid).state();
    if (state == 'R') return false;
    // A stop of its that waitpid has still to hand over (a delay fault's stop is no news).
    bool parked = std::ranges::any_of(delayed_, [&](const Delayed& d) { return d.tid == tid; });
    if (state == 't' && !parked) return false;
  }
  return true;
}

void Session::end_when_settled() {
  if (phase_ != Phase::Ending) return;
  if (now_ns() < ending_deadline_ns_ && !settled()) return;
  teardown();
}

// Kills every process of the run: each node's process group, then every task we traced
// (a node that called setsid has left its group but not our sight).
void Session::teardown() {
  // While the sockets still exist; calls still blocked now are cut short by the kill.
  settle_where([](const Event&) { return true; }, true);
  phase_ = Phase::TearingDown;
  clock_.teardown = now_ns();
  for (pid_t pid : node_pids_)
    if (pid > 0) kill(-pid, SIGKILL);
  for (pid_t pid : untraced_) {
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
  }
  // tkill: a task whose parent's fork event has not arrived yet has no known tgid.
  for (auto& [tid, t] : threads_) syscall(SYS_tkill, tid, SIGKILL);
  if (ns_init_ > 0) kill(ns_init_, SIGKILL);  // and with it whatever else is in the namespace
  teardown_deadline_ns_ = now_ns() + 10'000'000'000ull;
}

// ---------------------------------------------------------------------------------------
// ptrace

Thread& Session::adopt(pid_t tid, pid_t tgid, std::uint32_t node) {
  names_.tgid_node[tgid] = node;
  Thread& t = threads_[tid];
  t.tid = tid;
  t.tgid = tgid;
  t.node = node;
  return t;
}

void Session::resume(pid_t tid, bool want_exit, int sig) {
  // A task gone meanwhile (teardown, or SIGKILL from a sibling) is no error: its exit
  // status still arrives through waitpid.
  Tracee(tid).resume(want_exit, sig);
}

Event& Session::add_event(Thread& t, Sys sys) {
  auto& events = result_.trace.events;
  Event& e = events.emplace_back();
  e.id = events.size() - 1;
  e.node = t.node;
  e.pid = t.tgid;
  e.tid = t.tid;
  e.seq = t.seq++;
  e.sys = sys;
  e.time_ns = e.end_ns = now_ns();
  return e;
}

void Session::on_wait(pid_t tid, WaitStatus status) {
  if (status.gone()) {
    on_task_exit(tid, status);
    return;
  }
  if (!status.stopped()) return;
  auto it = threads_.find(tid);
  if (it == threads_.end()) {
    // A new task's first stop can arrive before its parent's fork/clone event; it stays
    // stopped until that event tells us whose it is.
    Thread& t = threads_[tid];
    t.tid = tid;
    t.initial_stop = true;
    return;
  }
  Thread& t = it->second;
  ++t.stops;
  const int sig = status.stop_signal();
  TraceStats& stats = result_.trace.stats;
  if (status.type() == WaitStatus::Type::SyscallStop) {
    ++stats.exit_stops;
    on_syscall_exit(t);
    return;
  }
  if (status.seccomp_stop()) {
    ++stats.seccomp_stops;
    on_seccomp(t);
    return;
  }
  ++stats.other_stops;
  if (status.spawn_event()) {
    on_spawn(t, status.ptrace_event());
  } else if (status.exec_event()) {
    on_exec(t);
  } else if (sig == SIGSTOP && !t.initial_stop) {
    t.initial_stop = true;
    resume(tid, false);
  } else {
    // No siginfo means a group-stop: let the task go on without a signal.
    bool delivery = Tracee(tid).siginfo().has_value();
    resume(tid, t.in_call, delivery ? sig : 0);
  }
}

void Session::on_task_exit(pid_t tid, WaitStatus status) {
  std::uint64_t now = now_ns();
  if (tid == oracle_pid_) {
    oracle_pid_ = -1;
    clock_.oracle_done = now;
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
    return;
  }
  for (std::size_t i = 0; i < node_pids_.size(); ++i) {
    if (node_pids_[i] != tid) continue;
    NodeRecord& n = result_.trace.nodes[i];
    n.end_ns = now;
    if (status.type() == WaitStatus::Type::Exited) {
      n.end = NodeEnd::Exited;
      n.exit_code = status.exit_code();
    } else {
      n.end = phase_ == Phase::TearingDown && status.fatal_signal() == SIGKILL ? NodeEnd::Killed
                                                                               : NodeEnd::Signaled;
      n.signal = status.fatal_signal();
      if (n.end == NodeEnd::Signaled && phase_ != Phase::TearingDown && !crashed_[i] &&
          crash_.empty()) {
        std::string said = last_output_line(opts_.run_dir, n.name);
        crash_ = fmt::format("{}node '{}' was killed by signal {}{}",
                             spec_.nodes[i].workload ? "workload " : "", n.name,
                             signal_name(n.signal), said.empty() ? "" : ": " + said);
      }
    }
    if (phase_ == Phase::Starting && i + 1 == next_node_ && !spec_.nodes[i].workload &&
        !node_ready(i)) {
      result_.trace.end = RunEnd::StartFailed;
      std::string how = n.end == NodeEnd::Exited ? fmt::format("exited with {}", n.exit_code)
                                                 : fmt::format("was killed by signal {}", n.signal);
      std::string err = tail_of_file(opts_.run_dir / (n.name + ".err"));
      result_.trace.end_message =
          fmt::format("node '{}' {} before it was ready{}", n.name, how,
                      err.empty() ? "" : fmt::format(" ({}.err: {})", n.name, err));
      finish({VerdictKind::StartFailed, result_.trace.end_message, VerdictClass::None});
    }
    maybe_finish_workload();
  }
  auto it = threads_.find(tid);
  if (it != threads_.end()) {
    pid_t tgid = it->second.tgid;
    threads_.erase(it);
    if (tid == tgid) {
      fd_tables_.exited(tgid);
      names_.tgid_node.erase(tgid);
    }
  }
  // Gone threads' calls have returned; what they moved is in the counters if the socket
  // lives on in another process, else the events say -ESRCH.
  settle_where([tid](const Event& e) { return e.tid == tid; });
}

void Session::on_spawn(Thread& parent, int event) {
  Tracee tracee(parent.tid);
  std::optional<unsigned long> msg = tracee.event_message();
  // The parent was killed at this stop: its child, if any, comes to us with no parent event
  // and is killed with the rest of its node.
  if (!msg) return;
  pid_t child = static_cast<pid_t>(*msg);
  std::optional<user_regs_struct> regs = tracee.regs();
  const SysInfo* info = regs ? sys_info_by_nr(static_cast<long>(regs->orig_rax)) : nullptr;
  Sys sys = info ? info->sys : (event == PTRACE_EVENT_CLONE ? Sys::clone : Sys::fork);
  // fork and vfork share nothing that matters here; clone and clone3 say what in their flags.
  std::uint64_t flags = 0;
  if (regs && (sys == Sys::clone || sys == Sys::clone3)) {
    flags = regs->rdi;
    if (sys == Sys::clone3) detail::read_memory(parent.tid, regs->rdi, &flags, sizeof flags);
  }
  bool thread = (flags & CLONE_THREAD) != 0;
  Event& e = add_event(parent, sys);
  e.child = child;
  e.result = child;

  bool stopped_already = threads_.contains(child) && threads_[child].initial_stop;
  Thread& c = adopt(child, thread ? parent.tgid : child, parent.node);
  c.initial_stop = stopped_already;
  fd_tables_.spawned(parent.tgid, child, flags);
  if (stopped_already) resume(child, false);
  resume(parent.tid, parent.in_call);
}

void Session::on_exec(Thread& t) {
  // exec's former tid: gone only if the task was killed at this stop, when it is the same.
  unsigned long former = Tracee(t.tid).event_message().value_or(static_cast<unsigned long>(t.tid));
  PendingCall call = t.call;
  if (static_cast<pid_t>(former) != t.tid) {
    // A non-leader thread called exec: it now carries the leader's tid; the rest are gone.
    auto old = threads_.find(static_cast<pid_t>(former));
    if (old != threads_.end()) call = old->second.call;
  }
  pid_t tgid = t.tgid;
  std::uint32_t node = t.node;
  std::uint64_t seq = t.seq;
  std::erase_if(threads_,
                [&](const auto& kv) { return kv.second.tgid == tgid && kv.first != t.tid; });
  Thread& self = threads_[tgid];
  self.tid = tgid;
  self.tgid = tgid;
  self.node = node;
  self.seq = std::max(self.seq, seq);
  self.initial_stop = true;
  self.in_call = false;
  fd_tables_.exec(tgid);
  Event& e = add_event(self, call.info ? call.info->sys : Sys::execve);
  e.peer = call.peer;
  resume(self.tid, false);
}

std::int64_t Session::bytes_asked(pid_t tid, const PendingCall& c) {
  const auto& a = c.args;
  auto iov_sum = [&](std::uint64_t iov_addr, std::uint64_t count) {
    std::int64_t sum = 0;
    std::vector<iovec> iov(std::min<std::uint64_t>(count, 1024));
    if (detail::read_memory(tid, iov_addr, iov.data(), iov.size() * sizeof(iovec)))
      for (const auto& v : iov) sum += static_cast<std::int64_t>(v.iov_len);
    return sum;
  };
  switch (c.info->shape) {
    case BufShape::Plain:
      return static_cast<std::int64_t>(a[2]);
    case BufShape::Iov:
      return iov_sum(a[1], a[2]);
    case BufShape::Msg: {
      msghdr m{};
      if (!detail::read_memory(tid, a[1], &m, sizeof m)) return 0;
      return iov_sum(reinterpret_cast<std::uint64_t>(m.msg_iov), m.msg_iovlen);
    }
    case BufShape::MMsg:
    case BufShape::None:
      return 0;
  }
  return 0;
}

// A send's first bytes (Event::head), from its first non-empty buffer: the buffer holds them
// at the call's entry, where TCP sends stop anyway, and no exit stop is needed.
std::string Session::bytes_head(pid_t tid, const PendingCall& c) {
  const auto& a = c.args;
  std::uint64_t addr = 0, len = 0;
  auto first_iov = [&](std::uint64_t iov_addr, std::uint64_t count) {
    std::array<iovec, 4> iov{};
    count = std::min<std::uint64_t>(count, iov.size());
    if (!detail::read_memory(tid, iov_addr, iov.data(), count * sizeof(iovec))) return;
    for (std::uint64_t i = 0; i < count; ++i)
      if (iov[i].iov_len) {
        addr = reinterpret_cast<std::uint64_t>(iov[i].iov_base), len = iov[i].iov_len;
        return;
      }
  };
  switch (c.info->shape) {
    case BufShape::Plain:
      addr = a[1], len = a[2];
      break;
    case BufShape::Iov:
      first_iov(a[1], a[2]);
      break;
    case BufShape::Msg: {
      msghdr m{};
      if (detail::read_memory(tid, a[1], &m, sizeof m))
        first_iov(reinterpret_cast<std::uint64_t>(m.msg_iov), m.msg_iovlen);
      break;
    }
    case BufShape::MMsg:
    case BufShape::None:
      break;
  }
  std::string out(std::min<std::uint64_t>(len, kEventHeadBytes), '\0');
  if (out.empty() || !detail::read_memory(tid, addr, out.data(), out.size())) return "";
  return out;
}

void Session::on_seccomp(Thread& t) {
  std::optional<user_regs_struct> got = Tracee(t.tid).regs();
  if (!got) return;  // killed at this stop: its exit comes next
  user_regs_struct& regs = *got;
  const SysInfo* info = sys_info_by_nr(static_cast<long>(regs.orig_rax));
  if (!info) {
    resume(t.tid, false);
    return;
  }
  PendingCall& c = t.call;
  c = PendingCall{};
  c.info = info;
  c.args = {regs.rdi, regs.rsi, regs.rdx, regs.r10, regs.r8, regs.r9};
  c.fd = info->has(kNoFd) ? -1 : static_cast<int>(c.args[0]);
  bool want_exit = false;
  bool accepting = info->sys == Sys::accept || info->sys == Sys::accept4;

  if (info->has(kSend | kRecv | kSync)) {
    FdInfo& fdi = fd_info(t.tgid, c.fd);
    bool file = fdi.kind == FdInfo::Kind::File;
    bool wanted =
        fdi.carries_data() && (!info->has(kFileOnly) || file) && !(info->has(kRecv) && file);
    if (wanted) {
      c.fdi = fdi;
      c.asked = bytes_asked(t.tid, c);
      if (info->has(kSend)) c.head = bytes_head(t.tid, c);
      if (fdi.dgram() && (info->sys == Sys::sendto) && c.args[4]) {
        std::array<char, 128> sa{};
        std::size_t len = std::min<std::size_t>(c.args[5], sa.size());
        if (detail::read_memory(t.tid, c.args[4], sa.data(), len))
          c.peer = detail::format_sockaddr(sa.data(), len);
      }
      if (fdi.dgram() && info->sys == Sys::sendmsg) {
        msghdr m{};
        std::array<char, 128> sa{};
        if (detail::read_memory(t.tid, c.args[1], &m, sizeof m) && m.msg_name &&
            detail::read_memory(t.tid, reinterpret_cast<std::uint64_t>(m.msg_name), sa.data(),
                                std::min<std::size_t>(m.msg_namelen, sa.size())))
          c.peer =
              detail::format_sockaddr(sa.data(), std::min<std::size_t>(m.msg_namelen, sa.size()));
      }
      OpClass op = file ? (info->has(kSync) ? OpClass::Fsync : OpClass::FileWrite)
                        : (info->has(kSend) ? OpClass::Send : OpClass::Recv);
      c.point = make_point(t, op, peer_of(t, c, op, c.fdi));
      if (apply_faults(t, c, regs, c.fdi)) return;
      want_exit = c.forced || c.crash_after || !defer(t, c);
    }
  } else if (info->has(kSetup)) {
    if (info->sys == Sys::shutdown) {
      const FdInfo* fdi = fds(t.tgid).find(c.fd);
      if (fdi && fdi->kind == FdInfo::Kind::Socket) settle(fdi->inode);
    }
    if (info->sys == Sys::connect || info->sys == Sys::bind) {
      std::array<char, 128> sa{};
      std::size_t len = std::min<std::size_t>(c.args[2], sa.size());
      if (detail::read_memory(t.tid, c.args[1], sa.data(), len))
        c.peer = detail::format_sockaddr(sa.data(), len);
    }
    if (info->sys == Sys::connect || accepting) {
      FdInfo none;
      const FdInfo& fdi = accepting ? fd_info(t.tgid, c.fd) : none;  // accept: the listener
      OpClass op = accepting ? OpClass::Accept : OpClass::Connect;
      c.point = make_point(t, op, peer_of(t, c, op, fdi));
      if (apply_faults(t, c, regs, fdi)) return;
    }
    want_exit = true;
  } else if (info->has(kClose)) {
    if (info->sys == Sys::close) {
      close_fd(t, c.fd, Sys::close);
    } else if (!(c.args[2] & CLOSE_RANGE_CLOEXEC)) {
      auto first = static_cast<unsigned>(c.args[0]), last = static_cast<unsigned>(c.args[1]);
      for (int fd : fds(t.tgid).in_range(first, last)) close_fd(t, fd, Sys::close_range);
    }
  } else if (info->has(kDup)) {
    bool onto = info->sys == Sys::dup2 || info->sys == Sys::dup3;
    // dup2/dup3 onto an open fd closes it first.
    if (onto && c.args[1] != c.args[0]) close_fd(t, static_cast<int>(c.args[1]), info->sys);
    FdInfo& src = fd_info(t.tgid, c.fd);
    if (src.carries_data()) {
      c.fdi = src;
      want_exit = true;
    }
  } else if (info->sys == Sys::execve || info->sys == Sys::execveat) {
    pid_t tgid = t.tgid;
    settle_where([tgid](const Event& e) { return e.pid == tgid; });
    // A successful exec closes the close-on-exec fds; record those that are channels now,
    // while their flags can still be read.
    auto cloexec =
        fds(tgid).closed_by_exec([tgid](int fd) { return detail::fd_close_on_exec(tgid, fd); });
    for (int fd : cloexec) close_fd(t, fd, info->sys);
    c.peer = detail::read_string(t.tid, info->sys == Sys::execve ? c.args[0] : c.args[1]);
    want_exit = true;  // an exec event follows on success; the exit stop only on failure
  } else if (info->sys == Sys::exit_group) {
    pid_t tgid = t.tgid;
    settle_where([tgid](const Event& e) { return e.pid == tgid; });
    Event& e = add_event(t, Sys::exit_group);
    e.result = static_cast<std::int64_t>(static_cast<int>(c.args[0]));
  }
  t.in_call = want_exit;
  if (c.delay_until) {  // a delay fault: the rest of the cluster runs meanwhile
    delayed_.push_back({t.tid, c.delay_until, want_exit, 0});
    return;
  }
  resume(t.tid, want_exit);
}

void Session::on_syscall_exit(Thread& t) {
  t.in_call = false;
  std::optional<user_regs_struct> got = Tracee(t.tid).regs();
  if (!got) return;  // killed at this stop: its exit comes next
  user_regs_struct& regs = *got;
  PendingCall& c = t.call;
  if (!c.info) {
    resume(t.tid, false);
    return;
  }
  // No fault fires once the verdict is known: it could not have changed it.
  if (phase_ == Phase::Ending) c.crash_after.reset();
  if (c.forced) {  // a skipped call (error, disk, dropped datagram): it returns what we say
    regs.rax = static_cast<std::uint64_t>(*c.forced);
    // A task killed at this stop never sees the value; its call is recorded as planned.
    Tracee(t.tid).set_regs(regs);
  }
  auto ret = static_cast<std::int64_t>(regs.rax);
  const SysInfo& info = *c.info;
  if (!c.forced && (ret == -512 || ret == -513 || ret == -514 || ret == -516)) {
    // ERESTARTSYS and friends are kernel-internal: a signal interrupted the call, which the
    // program sees as EINTR or the kernel runs again as a new call (a new entry stop, a new
    // point, as a run without exit stops counts it too). Record what the program would see.
    ret = -EINTR;
    regs.rax = static_cast<std::uint64_t>(ret);
  }
  std::size_t events_before = result_.trace.events.size();
  if (info.has(kSend | kRecv | kSync)) {
    record_data(t, regs);
  } else if (info.has(kSetup)) {
    Event& e = add_event(t, info.sys);
    e.fd = c.fd;
    e.result = ret;
    e.peer = c.peer;
    note_call(e, c);
    switch (info.sys) {
      case Sys::connect:
      case Sys::bind:
      case Sys::listen: {
        forget_fd(t.tgid, c.fd);
        ResolveHint hint;
        if (info.sys == Sys::connect) hint = {ResolveHint::Role::Connector, c.peer};
        const FdInfo& fdi = fd_info(t.tgid, c.fd, hint);
        // Who is behind which endpoint: peers are named after nodes, not ports.
        if (ret == 0 || ret == -EINPROGRESS) {
          bool listener =
              info.sys == Sys::listen || (info.sys == Sys::bind && fdi.ckind == ChannelKind::Udp);
          if (listener && fdi.kind == FdInfo::Kind::Socket)
            names_.listen_port_node[port_of(fdi.local)] = static_cast<std::int32_t>(t.node);
          if (info.sys != Sys::listen && !fdi.local.empty())
            names_.endpoint_node[fdi.local] = static_cast<std::int32_t>(t.node);
          if (info.sys == Sys::bind && c.peer.starts_with("unix:"))
            names_.endpoint_node[c.peer] = static_cast<std::int32_t>(t.node);
        }
        if (info.sys == Sys::connect && fdi.channel >= 0) {
          e.channel = fdi.channel;
          e.dir = fdi.send_dir();
        }
        break;
      }
      case Sys::accept:
      case Sys::accept4:
        if (ret >= 0) {
          const FdInfo& fdi =
              fd_info(t.tgid, static_cast<int>(ret), {ResolveHint::Role::Acceptor, {}});
          e.channel = fdi.channel;
          if (fdi.kind == FdInfo::Kind::Socket && !fdi.remote.empty())
            e.peer = fdi.remote;
          else if (fdi.channel >= 0)
            e.peer = fdi.a_side ? result_.trace.channels[fdi.channel].side_b
                                : result_.trace.channels[fdi.channel].side_a;
        }
        break;
      case Sys::shutdown: {
        const FdInfo& fdi = fd_info(t.tgid, c.fd);
        e.channel = fdi.channel;
        e.dir = fdi.send_dir();
        break;
      }
      case Sys::socketpair:
      case Sys::pipe:
      case Sys::pipe2: {
        std::array<int, 2> pair{};
        std::uint64_t addr = info.sys == Sys::socketpair ? c.args[3] : c.args[0];
        if (ret == 0 && detail::read_memory(t.tid, addr, pair.data(), sizeof pair)) {
          e.peer = fmt::format("{},{}", pair[0], pair[1]);
          e.channel = fd_info(t.tgid, pair[0]).channel;
        }
        break;
      }
      default:
        break;
    }
  } else if (info.has(kDup)) {
    if (ret >= 0) {
      int newfd = static_cast<int>(ret);
      fds(t.tgid).assign(newfd, c.fdi);
      Event& e = add_event(t, info.sys);
      e.fd = c.fd;
      e.result = ret;
      e.channel = c.fdi.channel;
    }
  } else if (info.sys == Sys::execve || info.sys == Sys::execveat) {
    Event& e = add_event(t, info.sys);  // only failed execs reach their exit stop
    e.result = ret;
    e.peer = c.peer;
  }
  if (c.crash_after && result_.trace.events.size() > events_before) {
    // A crash just after the call: it has returned (and been recorded); the node dies now.
    std::size_t fault = *c.crash_after;
    c.info = nullptr;
    result_.trace.events.back().injected = true;
    crash_node(t.node, fault, result_.trace.events.size() - 1);
    return;
  }
  c.info = nullptr;
  resume(t.tid, false);
}

void Session::record_data(Thread& t, const user_regs_struct& regs) {
  PendingCall& c = t.call;
  const SysInfo& info = *c.info;
  auto ret = static_cast<std::int64_t>(regs.rax);
  bool sending = info.has(kSend);
  const FdInfo& fdi = c.fdi;

  if (info.shape == BufShape::MMsg) {
    // One event per datagram: each is its own message for causality.
    std::uint64_t n = ret > 0 ? static_cast<std::uint64_t>(ret) : 0;
    std::vector<mmsghdr> msgs(std::min<std::uint64_t>(n, 1024));
    if (!msgs.empty() &&
        !detail::read_memory(t.tid, c.args[1], msgs.data(), msgs.size() * sizeof(mmsghdr)))
      msgs.clear();
    for (const auto& m : msgs) {
      Event& e = add_event(t, info.sys);
      note_call(e, c);
      e.fd = c.fd;
      e.moved = e.asked = m.msg_len;
      e.result = m.msg_len;
      std::array<char, 128> sa{};
      std::size_t len = std::min<std::size_t>(m.msg_hdr.msg_namelen, sa.size());
      if (m.msg_hdr.msg_name &&
          detail::read_memory(t.tid, reinterpret_cast<std::uint64_t>(m.msg_hdr.msg_name), sa.data(),
                              len))
        e.peer = detail::format_sockaddr(sa.data(), len);
      if (e.peer.empty()) e.peer = fdi.remote;
      e.channel = dgram_channel(fdi, e.peer, sending, e.dir);
    }
    if (msgs.empty()) {
      Event& e = add_event(t, info.sys);
      note_call(e, c);
      e.fd = c.fd;
      e.result = ret;
    }
    return;
  }

  Event& e = add_event(t, info.sys);
  note_call(e, c);
  e.fd = c.fd;
  e.asked = c.asked;
  e.result = ret;
  e.moved = ret > 0 && !info.has(kSync) ? ret : 0;
  bool peek = (info.sys == Sys::recvfrom && (c.args[3] & MSG_PEEK)) ||
              (info.sys == Sys::recvmsg && (c.args[2] & MSG_PEEK));
  if (peek) e.moved = 0;

  if (fdi.dgram()) {
    std::string peer = c.peer;
    if (!sending && ret >= 0) {
      // The sender's address is in the caller's buffer only after the call.
      std::array<char, 128> sa{};
      std::size_t len = 0;
      std::uint64_t addr = 0;
      if (info.sys == Sys::recvfrom && c.args[4] && c.args[5]) {
        socklen_t sl = 0;
        if (detail::read_memory(t.tid, c.args[5], &sl, sizeof sl)) len = sl, addr = c.args[4];
      } else if (info.sys == Sys::recvmsg) {
        msghdr m{};
        if (detail::read_memory(t.tid, c.args[1], &m, sizeof m) && m.msg_name)
          len = m.msg_namelen, addr = reinterpret_cast<std::uint64_t>(m.msg_name);
      }
      len = std::min(len, sa.size());
      if (addr && detail::read_memory(t.tid, addr, sa.data(), len))
        peer = detail::format_sockaddr(sa.data(), len);
    }
    if (peer.empty()) peer = fdi.remote;
    e.peer = peer;
    if (sending && fdi.ckind == ChannelKind::Udp &&
        (fdi.local.empty() || fdi.local.ends_with(":0"))) {
      // The first send of an unbound socket picked its port: learn it now.
      forget_fd(t.tgid, c.fd);
      c.fdi = fd_info(t.tgid, c.fd);
      if (!c.fdi.local.empty())
        names_.endpoint_node[concrete_local(c.fdi.local, peer)] = static_cast<std::int32_t>(t.node);
    }
    if (e.moved > 0 || sending) e.channel = dgram_channel(c.fdi, peer, sending, e.dir);
    return;
  }

  e.channel = fdi.channel;
  if (fdi.kind == FdInfo::Kind::File) {
    e.channel = channel(ChannelKind::File, "file:" + fdi.local, fdi.local, fdi.local, fdi.local);
    e.dir = EventDir::AtoB;
    return;
  }
  e.dir = sending ? fdi.send_dir() : fdi.recv_dir();
  if (e.channel >= 0) {
    int d = e.dir == EventDir::AtoB ? 0 : 1;
    auto& counter = sending ? channels_.sent[e.channel][d] : channels_.received[e.channel][d];
    e.offset = counter;
    counter += static_cast<std::uint64_t>(e.moved);
  }
}

// ---------------------------------------------------------------------------------------
// TCP data calls without exit stops

// Starts deferring a TCP socket's data calls, with the kernel's totals at this moment as the
// baseline: bytes moved before fissure first saw the socket are not this run's messages.
void Session::track_tcp(const FdInfo& fdi, int copy) {
  if (tcp_.tracked(fdi.inode)) return;
  auto now = detail::tcp_totals(copy);
  if (!now) return;  // TCP_INFO unreadable: keep exit stops for this socket
  tcp_.track(fdi.inode, fdi.local, fdi.remote, *now);
}

// Records the data call at its entry and lets it run without an exit stop; its byte count
// is read from the socket's counters when the next call in the same direction starts (or
// the socket is closed, the process execs or exits, or the run ends).
bool Session::defer(Thread& t, const PendingCall& c) {
  const FdInfo& fdi = fd_info(t.tgid, c.fd);
  if (fdi.kind != FdInfo::Kind::Socket || fdi.ckind != ChannelKind::Tcp || fdi.channel < 0)
    return false;
  bool peek = (c.info->sys == Sys::recvfrom && (c.args[3] & MSG_PEEK)) ||
              (c.info->sys == Sys::recvmsg && (c.args[2] & MSG_PEEK));
  if (peek || c.info->shape == BufShape::MMsg) return false;
  bool sending = c.info->has(kSend);
  if (!tcp_.can_defer(fdi.inode, sending)) return false;
  Event& e = add_event(t, c.info->sys);
  e.fd = c.fd;
  e.asked = c.asked;
  e.channel = fdi.channel;
  e.dir = sending ? fdi.send_dir() : fdi.recv_dir();
  e.inferred = true;
  if (c.delay_until) e.time_ns = c.delay_until;  // it starts once the delay is over
  note_call(e, c);
  tcp_.deferred(fdi.inode, sending, e.id, t.stops);
  return true;
}

bool Session::returned(const Event& e, std::uint64_t stops_at_entry) const {
  auto it = threads_.find(e.tid);
  return it == threads_.end() || it->second.stops > stops_at_entry;
}

// ---------------------------------------------------------------------------------------
// Fault injection

bool Session::cut_by_partition(const Thread& t, const std::string& peer) const {
  const std::string& self = spec_.nodes[t.node].name;
  std::uint64_t now = now_ns();
  for (const auto& p : partitions_) {
    if (p.until_ns && now >= p.until_ns) continue;  // healed
    int mine = -1, theirs = -1;
    const auto& groups = opts_.plan.faults[p.fault].groups;
    for (std::size_t g = 0; g < groups.size(); ++g)
      for (const auto& n : groups[g]) {
        if (n == self) mine = static_cast<int>(g);
        if (n == peer) theirs = static_cast<int>(g);
      }
    if (mine >= 0 && theirs >= 0 && mine != theirs) return true;
  }
  return false;
}

void Session::fire(std::size_t fault, std::uint64_t event, std::string note) {
  if (fault_fired_[fault]) return;
  fault_fired_[fault] = true;
  result_.trace.fired.push_back({fault, event, now_ns(), std::move(note)});
}

void Session::note_call(Event& e, const PendingCall& c) {
  e.point = c.point;
  e.head = c.head;
  e.injected = c.injected;
  if (c.fires) {
    const Fault& f = opts_.plan.faults[*c.fires];
    fire(*c.fires, e.id, f.kind == FaultKind::Partition ? "partition starts" : "");
    if (f.kind == FaultKind::Partition)
      partitions_.push_back({*c.fires, f.heal_ms ? now_ns() + f.heal_ms * 1'000'000ull : 0});
  }
}

// SIGKILL to the node's process group and to every task of it the tracer knows (those that
// left the group too), after reading the counts of its in-flight TCP calls.
void Session::crash_node(std::size_t node, std::size_t fault, std::uint64_t event) {
  settle_where([&](const Event& e) { return e.node == node; });
  crashed_[node] = true;
  pid_t pid = node_pids_[node];
  if (pid > 0) kill(-pid, SIGKILL);
  for (auto& [tid, th] : threads_)
    if (th.node == node) syscall(SYS_tgkill, th.tgid, tid, SIGKILL);
  fire(fault, event,
       fmt::format("killed node '{}' (process group {})", spec_.nodes[node].name, pid));
  for (std::size_t i = 0; i < opts_.plan.faults.size(); ++i) {
    const Fault& f = opts_.plan.faults[i];
    if (f.kind == FaultKind::Restart && f.node == spec_.nodes[node].name && !fault_fired_[i])
      restarts_.push_back({node, i, now_ns() + f.delay_ms * 1'000'000ull});
  }
}

// The call does not happen: at its exit stop it returns `result`.
void Session::skip_call(Thread& t, PendingCall& c, user_regs_struct& regs, long result) {
  regs.orig_rax = static_cast<std::uint64_t>(-1);
  // A task killed at this stop runs no call at all: nothing was injected.
  if (!Tracee(t.tid).set_regs(regs)) return;
  c.forced = result;
  c.injected = true;
}

// Resets a TCP connection for both ends: connect(AF_UNSPEC) on a copy of the socket's fd
// disconnects the socket itself, so the peer sees ECONNRESET.
bool Session::break_connection(pid_t tgid, const PendingCall& c) {
  detail::OwnedFd copy = tracee_fds_.copy(tgid, c.fd, c.fdi.inode);
  if (!copy) return false;
  if (c.fdi.ckind != ChannelKind::Tcp)  // unix streams: no reset, but both ends see the end
    return shutdown(copy.get(), SHUT_RDWR) == 0;
  sockaddr unspec{};
  unspec.sa_family = AF_UNSPEC;
  return connect(copy.get(), &unspec, sizeof unspec) == 0;
}

bool Session::apply_faults(Thread& t, PendingCall& c, user_regs_struct& regs, const FdInfo& fdi) {
  const OpClass op = c.point.op;
  const auto& faults = opts_.plan.faults;
  // No fault fires once the verdict is known; partitions in force still cut calls.
  const std::size_t plan_size = phase_ == Phase::Ending ? 0 : faults.size();
  for (std::size_t i = 0; i < plan_size; ++i) {
    const Fault& f = faults[i];
    if (fault_fired_[i] || f.kind == FaultKind::Restart || f.at != c.point) continue;
    c.fires = i;
    switch (f.kind) {
      case FaultKind::Crash: {
        if (f.after) {
          c.crash_after = i;
          c.fires.reset();
          break;
        }
        c.injected = true;
        c.fires.reset();
        Event& e = add_event(t, c.info->sys);  // the call never runs: its node dies first
        e.fd = c.fd;
        e.channel = fdi.channel;
        note_call(e, c);
        crash_node(t.node, i, e.id);
        return true;
      }
      case FaultKind::Error:
      case FaultKind::Disk:
        skip_call(t, c, regs, -f.err);
        return false;
      case FaultKind::Drop:
        if (fdi.dgram()) {
          // A datagram is dropped on its way out; at a receive there is nothing honest to
          // drop (the datagram has arrived), so the fault stays unfired and is reported so.
          if (op != OpClass::Send) {
            c.fires.reset();
            continue;
          }
          // The sender sees success (all messages, for sendmmsg); nothing is delivered.
          skip_call(t, c, regs,
                    c.info->shape == BufShape::MMsg ? static_cast<long>(c.args[2]) : c.asked);
          return false;
        }
        if (fdi.kind == FdInfo::Kind::Pipe) {  // a pipe has no connection to break
          c.fires.reset();
          continue;
        }
        c.fdi = fdi;
        break_connection(t.tgid, c);
        skip_call(t, c, regs, -ECONNRESET);
        return false;
      case FaultKind::Delay:
        c.delay_until = now_ns() + f.delay_ms * 1'000'000ull;
        break;  // the call still meets any partition below
      case FaultKind::Partition:
        break;  // starts once this call has been recorded
      case FaultKind::Restart:
        break;
    }
    break;  // one fault per point (plans are checked for that)
  }
  // Calls across an active partition: connects time out, stream traffic breaks, datagrams
  // vanish.
  if ((op == OpClass::Send || op == OpClass::Recv || op == OpClass::Connect) &&
      !partitions_.empty() && cut_by_partition(t, c.point.peer)) {
    if (op == OpClass::Connect) {
      skip_call(t, c, regs, -ETIMEDOUT);
    } else if (fdi.dgram()) {
      if (op == OpClass::Send) skip_call(t, c, regs, c.asked);
    } else {
      c.fdi = fdi;
      break_connection(t.tgid, c);
      skip_call(t, c, regs, -ECONNRESET);
    }
  }
  return false;
}

// ---------------------------------------------------------------------------------------
// fds and channels

FdInfo& Session::fd_info(pid_t tgid, int fd, const ResolveHint& hint) {
  FdTable& table = fds(tgid);
  FdInfo* known = table.find(fd);
  // A socket seen before it connected is described again at its connect's exit stop. A
  // unix socket that connected before its peer accepted has no peer inode yet (the accept
  // makes it): it is looked at again at its next use.
  bool unsettled = known && known->kind == FdInfo::Kind::Socket &&
                   known->ckind == ChannelKind::UnixStream && known->channel < 0;
  if (known && !unsettled) return *known;
  FdInfo info = resolve(tgid, fd, hint);
  return fds(tgid).assign(fd, std::move(info));
}

void Session::forget_fd(pid_t tgid, int fd) {
  std::optional<FdInfo> gone = fds(tgid).take(fd);
  if (gone && gone->kind == FdInfo::Kind::Socket) sockets_.forget(gone->inode);
}

// Learns an inet socket's type and endpoints from a copy of its fd (pidfd_getfd): nothing
// runs inside the tracee. False if it is not an inet socket.
bool Session::describe_inet(pid_t tgid, int fd, FdInfo& out, const ResolveHint& hint) {
  detail::OwnedFd copy = tracee_fds_.copy(tgid, fd, out.inode);
  if (!copy) return false;
  ++result_.trace.stats.fd_copies;
  auto inet = detail::describe_inet_socket(copy.get());
  if (!inet) return false;
  out.kind = FdInfo::Kind::Socket;
  out.ckind = inet->stream ? ChannelKind::Tcp : ChannelKind::Udp;
  out.local = inet->local;
  out.remote = inet->remote;
  if (out.ckind == ChannelKind::Udp) return true;
  if (out.remote.empty() && hint.role == ResolveHint::Role::Connector) out.remote = hint.remote;
  if (out.remote.empty()) return true;  // listening, or not connected yet
  const std::string& lo = std::min(out.local, out.remote);
  const std::string& hi = std::max(out.local, out.remote);
  // Side a is the connector. Without a hint, the acceptor is the end on a listening port.
  bool acceptor =
      hint.role == ResolveHint::Role::Acceptor ||
      (hint.role == ResolveHint::Role::Unknown && detail::tcp_port_listening(port_of(out.local)));
  const std::string& a = acceptor ? out.remote : out.local;
  const std::string& b = acceptor ? out.local : out.remote;
  out.channel = channel(ChannelKind::Tcp, "tcp:" + lo + "|" + hi, a, b, b);
  out.a_side = result_.trace.channels[out.channel].side_a == out.local;
  if (!opts_.exact_results) track_tcp(out, copy.get());
  return true;
}

FdInfo Session::resolve(pid_t tgid, int fd, const ResolveHint& hint) {
  FdInfo out;
  if (fd < 0) return out;
  FdTarget target = detail::inspect_fd(tgid, fd);
  out.inode = target.inode;
  switch (target.kind) {
    case FdTarget::Kind::Socket: {
      if (describe_inet(tgid, fd, out, hint)) return out;
      auto desc = sockets_.find(tgid, target.inode);
      if (!desc) return out;  // netlink, packet, ...: not a channel between nodes
      out.kind = FdInfo::Kind::Socket;
      switch (desc->proto) {
        case SockProto::Tcp:
        case SockProto::Udp:
          return out;  // described above
        case SockProto::UnixStream:
        case SockProto::UnixDgram: {
          out.ckind = desc->proto == SockProto::UnixStream ? ChannelKind::UnixStream
                                                           : ChannelKind::UnixDgram;
          if (auto n = names_.tgid_node.find(tgid); n != names_.tgid_node.end())
            names_.unix_inode_node[target.inode] = static_cast<std::int32_t>(n->second);
          out.local = desc->local;
          out.path = desc->path;
          auto peer = detail::unix_peer_inode(target.inode);
          if (!peer || *peer == 0) return out;
          out.remote = fmt::format("unix:{}", *peer);
          std::string label = desc->path;
          if (label.empty())
            if (auto pd = sockets_.find(tgid, *peer)) label = pd->path;
          if (label.empty()) label = "socketpair";
          std::uint64_t lo = std::min<std::uint64_t>(target.inode, *peer),
                        hi = std::max<std::uint64_t>(target.inode, *peer);
          // The unnamed side (the connector) is side a when one side is bound to a path.
          std::string a = desc->path.empty() ? out.local : out.remote;
          std::string b = desc->path.empty() ? out.remote : out.local;
          out.channel =
              channel(out.ckind, fmt::format("unix:{}|{}", lo, hi), a, b, file_label(label));
          out.a_side = result_.trace.channels[out.channel].side_a == out.local;
          return out;
        }
        case SockProto::Other:
          return out;
      }
      return out;
    }
    case FdTarget::Kind::Pipe: {
      out.kind = FdInfo::Kind::Pipe;
      out.ckind = ChannelKind::Pipe;
      std::string side = fmt::format("pipe:{}", target.inode);
      out.channel = channel(ChannelKind::Pipe, side, side + ":w", side + ":r", side);
      out.a_side = detail::fd_access_mode(tgid, fd) != O_RDONLY;
      return out;
    }
    case FdTarget::Kind::RegularFile: {
      if (own_files_.contains(target.inode)) return out;  // the run's own stdout/stderr logs
      out.kind = FdInfo::Kind::File;
      out.ckind = ChannelKind::File;
      // The channel is made at the first write or sync: files only read are no channels.
      out.local = file_label(target.path);
      return out;
    }
    case FdTarget::Kind::Other:
    case FdTarget::Kind::Gone:
      return out;
  }
  return out;
}

// ---------------------------------------------------------------------------------------

RunResult Session::run() {
  clock_.begin = now_ns();
  Trace& trace = result_.trace;
  trace.target = spec_.name;
  // Named as the run's file writes are: ${RUN_DIR}/..., digit runs as "#"; a relative name is
  // in the run directory (every node's default working directory).
  auto file_names = [&](const std::vector<std::string>& files) {
    std::vector<std::string> out;
    for (const std::string& f : files) {
      std::filesystem::path p = expand_vars(f, opts_.run_dir, spec_.dir);
      if (p.is_relative()) p = opts_.run_dir / p;
      out.push_back(stable_file_name(file_label(p.lexically_normal().string())));
    }
    return out;
  };
  trace.outcome_files = file_names(spec_.oracle.outcome_files);
  trace.replica_files = file_names(spec_.oracle.replica_files);
  trace.run_dir = opts_.run_dir.string();
  node_pids_.assign(spec_.nodes.size(), 0);
  crashed_.assign(spec_.nodes.size(), false);
  fault_fired_.assign(opts_.plan.faults.size(), false);
  trace.plan = opts_.plan;
  for (const auto& n : spec_.nodes) {
    NodeRecord& rec = trace.nodes.emplace_back();
    rec.name = n.name;
    rec.workload = n.workload;
    for (const auto& a : n.cmd) rec.argv.push_back(expand_vars(a, opts_.run_dir, spec_.dir));
  }

  // The tracer thread shares its CPU with its tracees; restore the caller's mask afterwards.
  cpu_set_t saved;
  sched_getaffinity(0, sizeof saved, &saved);
  if (opts_.cpu >= 0) {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(opts_.cpu, &one);
    if (sched_setaffinity(0, sizeof one, &one) != 0)
      throw RunError(
          fmt::format("cannot pin the tracer to CPU {}: {}", opts_.cpu, strerror(errno)));
  }
  // The handler only sets a flag and each session's timer signals its own thread, so it is
  // installed once and never taken away: sessions may run side by side as threads.
  static std::once_flag handler_installed;
  std::call_once(handler_installed, [] {
    struct sigaction sa {};
    sa.sa_handler = tick_handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  // no SA_RESTART: the tick must interrupt waitpid
    sigaction(SIGALRM, &sa, nullptr);
  });
  sigevent sev{};
  sev.sigev_notify = SIGEV_THREAD_ID;
  sev.sigev_signo = SIGALRM;
  sev._sigev_un._tid = gettid();
  timer_t timer;
  if (timer_create(CLOCK_MONOTONIC, &sev, &timer) != 0)
    throw RunError(fmt::format("timer_create: {}", strerror(errno)));
  itimerspec tick{{0, 5'000'000}, {0, 5'000'000}};
  timer_settime(timer, 0, &tick, nullptr);

  if (opts_.isolate) {
    // The first process of a new PID namespace is its init: when it dies, everything still
    // in the namespace dies with it. It only waits; teardown kills it last.
    ns_init_ = fork();
    if (ns_init_ < 0) throw RunError(fmt::format("fork: {}", strerror(errno)));
    if (ns_init_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      setpgid(0, 0);  // out of the terminal's foreground group: Ctrl-C is for fissure to handle
      for (;;) pause();
    }
  }
  trace.start_ns = now_ns();
  deadline_ns_ = trace.start_ns + static_cast<std::uint64_t>(spec_.timeout.count()) * 1000;
  auto drain = [&] {
    for (;;) {
      if (g_tick) {
        g_tick = 0;
        if (phase_ != Phase::TearingDown) {
          on_tick();
          end_when_settled();
        } else if (now_ns() > teardown_deadline_ns_) {
          throw RunError(fmt::format(
              "processes of the run did not die within 10s of SIGKILL ({} traced tasks left)",
              threads_.size()));
        }
      }
      int status = 0;
      pid_t pid = waitpid(-1, &status, __WALL | __WNOTHREAD);
      if (pid < 0) {
        if (errno == EINTR) continue;
        if (errno != ECHILD) throw RunError(fmt::format("waitpid: {}", strerror(errno)));
        if (phase_ == Phase::TearingDown) return;
        if (phase_ == Phase::Ending) {  // nothing left to wait for
          teardown();
          continue;
        }
        pause();  // between nodes (a "delay:" readiness) nothing may be running
        continue;
      }
      if (phase_ == Phase::TearingDown && WaitStatus(status).stopped()) {
        // Anything still stopping now (a task born during teardown) is killed, not resumed.
        kill(pid, SIGKILL);
        Tracee(pid).resume(false);
        continue;
      }
      on_wait(pid, WaitStatus(status));
      end_when_settled();
    }
  };
  try {
    on_tick();
    drain();
  } catch (const std::exception&) {
    // Leave nothing behind, then report the original problem.
    if (phase_ != Phase::TearingDown) teardown();
    try {
      drain();
    } catch (const std::exception&) {
    }
    timer_delete(timer);
    sched_setaffinity(0, sizeof saved, &saved);
    throw;
  }
  timer_delete(timer);
  sched_setaffinity(0, sizeof saved, &saved);
  clock_.drained = now_ns();
  for (auto& n : trace.nodes)
    if (n.end == NodeEnd::Running) n.end = NodeEnd::Killed, n.signal = SIGKILL;
  trace.end_ns = now_ns();
  derive_causality(trace);
  for (std::size_t i = 0; i < fault_fired_.size(); ++i)
    if (!fault_fired_[i]) result_.unreached.push_back(i);
  if (detail::debug_enabled("phases")) print_phases();
  return std::move(result_);
}

// One line a benchmark can parse. A phase the run never reached (no oracle, a start that
// failed) takes no time; the next phase starts where the last reached one ended.
void Session::print_phases() const {
  const std::uint64_t end = now_ns();
  std::uint64_t at = clock_.begin;
  auto upto = [&](std::uint64_t t) {
    if (t < at) return 0.0;
    double ms = static_cast<double>(t - at) / 1e6;
    at = t;
    return ms;
  };
  double setup = upto(result_.trace.start_ns);
  double starting = upto(clock_.started ? clock_.started : clock_.teardown);
  double spawn = static_cast<double>(clock_.spawning) / 1e6;
  double workload = upto(clock_.workload_done ? clock_.workload_done : clock_.teardown);
  double oracle = upto(clock_.oracle_done ? clock_.oracle_done : clock_.teardown);
  double finish = upto(clock_.teardown);  // the oracle's end to the first kill
  double teardown = upto(clock_.drained);
  double post = upto(end);
  fmt::print(stderr,
             "fissure phases: setup {:.2f} start {:.2f} ready {:.2f} workload {:.2f} oracle {:.2f} "
             "teardown {:.2f} post {:.2f} ms\n",
             setup, spawn, std::max(0.0, starting - spawn), workload, oracle, finish + teardown,
             post);
}

}  // namespace
}  // namespace fissure

namespace fissure {

void check_executables(const Spec& spec) {
  auto check = [&](const std::vector<std::string>& cmd, const std::string& who) {
    std::string resolved = resolve_program(cmd.at(0), spec.dir);
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
    Session session(spec, opts);
    return session.run();
  }
  // Namespaces belong to a thread: a thread of its own enters them, runs the session and
  // ends, so the caller keeps its own (and the next run starts from them again).
  RunResult result;
  std::exception_ptr failure;
  std::thread runner([&] {
    try {
      enter_run_namespaces();
      Session session(spec, opts);
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
