// The event loop of one run: waitpid's stops and exits, each handed to what it concerns.
#include <fmt/format.h>
#include <sched.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <exception>
#include <mutex>
#include <unordered_set>

#include "clock.hpp"
#include "debug_log.hpp"
#include "session.hpp"
#include "sockets.hpp"
#include "tracee.hpp"

namespace fissure::detail {

namespace {

// Set by the run's interval timer; the loop looks at its clocks only when it is set, so a
// ptrace stop costs no clock or /proc reads.
volatile sig_atomic_t g_tick = 0;
void tick_handler(int) {
  g_tick = 1;
}

}  // namespace

Session::Session(const Spec& spec, const RunOptions& opts)
    : spec_(spec),
      opts_(opts),
      kernel_counters_(tcp_counters_, tracee_fds_),
      channels_(result_.trace.channels),
      names_(spec, tcp_counters_, result_.trace.channels, opts.run_dir),
      tcp_(result_.trace.events, channels_.sent, channels_.received, kernel_counters_,
           [this](const Event& e, std::uint64_t stops) { return returned(e, stops); }),
      fds_(fd_tables_, tracee_fds_, channels_, names_, tcp_, result_.trace.stats,
           !opts.exact_results),
      faults_(spec, opts_.plan, result_.trace, tracee_fds_),
      cluster_(spec, opts_, result_.trace, fds_, [this](pid_t pid, std::uint32_t node) {
        // Seized running: no first stop will come.
        adopt(pid, pid, node).initial_stop = true;
      }) {}

// ---------------------------------------------------------------------------------------
// Timer ticks and the run's end

// Runs on every timer tick and once at the start: enforces the run's timeout, lets delayed
// calls go on and restarts crashed nodes when due, and starts the next node once the one
// before is ready.
void Session::on_tick() {
  if (!cluster_.timed_out() && cluster_.phase() != RunPhase::Ending) {
    release_due_faults();
    cluster_.start_due_nodes();
  }
  end_when_settled();
}

void Session::release_due_faults() {
  std::uint64_t now = now_ns();
  for (const auto& d : faults_.due_delays(now))
    if (threads_.contains(d.tid)) resume(d.tid, d.want_exit, d.sig);
  for (const auto& r : faults_.due_restarts(now))
    if (std::optional<pid_t> pid = cluster_.restart(r.node))
      faults_.fire(r.fault, result_.trace.events.empty() ? 0 : result_.trace.events.size() - 1,
                   fmt::format("restarted node '{}' as pid {}", spec_.nodes[r.node].name, *pid));
}

// SIGKILL to the node's process group and to every task of it the tracer knows (those that
// left the group too), after reading the counts of its in-flight TCP calls.
void Session::crash_node(std::size_t node, std::size_t fault, std::uint64_t event) {
  tcp_.settle_where([&](const Event& e) { return e.node == node; });
  pid_t pid = cluster_.kill_node(node);
  for (auto& [tid, th] : threads_)
    if (th.node == node) syscall(SYS_tgkill, th.tgid, tid, SIGKILL);
  faults_.crashed(node, fault, event,
                  fmt::format("killed node '{}' (process group {})", spec_.nodes[node].name, pid));
}

// Whether what was under way when the verdict came has got where it was going, so that the
// teardown's kill cuts nothing short that would have happened anyway: a node a crash fault
// SIGKILLed has been reaped (it died of fissure's fault, not of the teardown), and no task
// with a call the trace waits on (a TCP call without exit stop, or one whose exit stop is
// due) is runnable or in a stop not yet handled. On one CPU with the tracer, a task resumed
// into a read whose data or FIN has arrived has not run yet when the workload's exit ends the
// run; killed then, its read would be recorded as cut short by a teardown that came first
// only because of tracing. Tasks go on (no new fault fires) until they block or exit, for at
// most a bounded wait (Cluster::ending_overdue).
bool Session::settled() const {
  if (cluster_.crash_unreaped()) return false;
  std::unordered_set<pid_t> waiting;
  for (const Event* e : tcp_.in_flight()) waiting.insert(e->tid);
  for (const auto& [tid, t] : threads_)
    if (t.in_call) waiting.insert(tid);
  for (pid_t tid : waiting) {
    auto it = threads_.find(tid);
    if (it == threads_.end()) continue;
    std::optional<char> state = Tracee(tid).state();
    if (state == 'R') return false;
    // A stop of its that waitpid has still to hand over (a delay fault's stop, or a
    // group-stop it waits in for SIGCONT, is no news).
    bool parked = faults_.parked(tid) || it->second.group_stopped;
    if (state == 't' && !parked) return false;
  }
  return true;
}

void Session::end_when_settled() {
  if (cluster_.phase() != RunPhase::Ending) return;
  if (!cluster_.ending_overdue() && !settled()) return;
  teardown();
}

// Kills every process of the run: each node's process group, then every task we traced
// (a node that called setsid has left its group but not our sight).
void Session::teardown() {
  // While the sockets still exist; calls still blocked now are cut short by the kill.
  tcp_.settle_where([](const Event&) { return true; }, true);
  cluster_.kill_all();
  // tkill: a task whose parent's fork event has not arrived yet has no known tgid.
  for (auto& [tid, t] : threads_) syscall(SYS_tkill, tid, SIGKILL);
}

void Session::settle_process(pid_t tgid) {
  tcp_.settle_where([tgid](const Event& e) { return e.pid == tgid; });
}

// ---------------------------------------------------------------------------------------
// Tasks and their stops

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

void Session::note_call(Event& e, const PendingCall& c) {
  e.point = c.point;
  e.head = c.head;
  e.injected = c.injected;
  faults_.recorded(c, e.id);
}

// An fd is going away (close, close_range, dup2 onto it, exec): its socket's pending counts
// are read first, and a channel's close is recorded.
void Session::close_fd(Thread& t, int fd, Sys why) {
  const FdInfo* found = fds_.table(t.tgid).find(fd);
  if (!found) return;
  const FdInfo& fi = *found;
  if (fi.kind == FdInfo::Kind::Socket) tcp_.settle(fi.inode);
  if ((fi.kind == FdInfo::Kind::Socket || fi.kind == FdInfo::Kind::Pipe) && fi.carries_data()) {
    Event& e = add_event(t, why);
    e.fd = fd;
    e.channel = fi.channel;
    e.dir = fi.send_dir();
  }
  fds_.forget(t.tgid, fd);
}

bool Session::returned(const Event& e, std::uint64_t stops_at_entry) const {
  auto it = threads_.find(e.tid);
  return it == threads_.end() || it->second.stops > stops_at_entry;
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
  if (status.spawn_event())
    on_spawn(t, status.ptrace_event());
  else if (status.exec_event())
    on_exec(t);
  else
    on_signal_stop(t, status);
}

// Seized tasks (PTRACE_SEIZE) tell a group-stop from a signal on its way: a group-stop is a
// PTRACE_EVENT_STOP with the stopping signal, and is left stopped with PTRACE_LISTEN, so
// that SIGSTOP stops a node and SIGCONT resumes it as they would untraced (resumed, the
// task would run on stopped). The same event with SIGTRAP is a new task's first stop or,
// for a listening task, its SIGCONT: it runs again.
void Session::on_signal_stop(Thread& t, WaitStatus status) {
  const int sig = status.stop_signal();
  if (status.ptrace_event() == PTRACE_EVENT_STOP) {
    if (sig != SIGTRAP && t.initial_stop) {
      t.group_stopped = true;
      Tracee(t.tid).listen();
      return;
    }
    t.initial_stop = true;
    t.group_stopped = false;
    resume(t.tid, t.in_call);
    return;
  }
  resume(t.tid, t.in_call, sig);  // a signal on its way: delivered
}

void Session::on_task_exit(pid_t tid, WaitStatus status) {
  cluster_.exited(tid, status);
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
  tcp_.settle_where([tid](const Event& e) { return e.tid == tid; });
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
    if (sys == Sys::clone3) read_memory(parent.tid, regs->rdi, &flags, sizeof flags);
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

// A call's entry: its row names the handler.
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
  Entry entry = (this->*kHandlers[static_cast<std::size_t>(info->cls)].entry)(t, regs);
  if (entry.handled) return;
  t.in_call = entry.want_exit;
  if (c.delay_until) {  // a delay fault: the rest of the cluster runs meanwhile
    faults_.park({t.tid, c.delay_until, entry.want_exit, 0});
    return;
  }
  resume(t.tid, entry.want_exit);
}

// A call's exit, which its entry asked for: its row names the handler.
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
  if (ending()) c.crash_after.reset();
  if (c.forced) {  // a skipped call (error, disk, dropped datagram): it returns what we say
    regs.rax = static_cast<std::uint64_t>(*c.forced);
    // A task killed at this stop never sees the value; its call is recorded as planned.
    Tracee(t.tid).set_regs(regs);
  }
  auto ret = static_cast<std::int64_t>(regs.rax);
  if (!c.forced && (ret == -512 || ret == -513 || ret == -514 || ret == -516)) {
    // ERESTARTSYS and friends are kernel-internal: a signal interrupted the call, which the
    // program sees as EINTR or the kernel runs again as a new call (a new entry stop, a new
    // point, as a run without exit stops counts it too). Record what the program would see.
    ret = -EINTR;
  }
  std::size_t events_before = result_.trace.events.size();
  (this->*kHandlers[static_cast<std::size_t>(c.info->cls)].exit)(t, ret);
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

// ---------------------------------------------------------------------------------------
// The loop

void Session::drain() {
  for (;;) {
    if (g_tick) {
      g_tick = 0;
      if (cluster_.phase() != RunPhase::TearingDown)
        on_tick();
      else if (cluster_.teardown_overdue())
        throw RunError(fmt::format(
            "processes of the run did not die within 10s of SIGKILL ({} traced tasks left)",
            threads_.size()));
    }
    int status = 0;
    pid_t pid = waitpid(-1, &status, __WALL | __WNOTHREAD);
    if (pid < 0) {
      if (errno == EINTR) continue;
      if (errno != ECHILD) throw RunError(fmt::format("waitpid: {}", strerror(errno)));
      if (cluster_.phase() == RunPhase::TearingDown) return;
      if (cluster_.phase() == RunPhase::Ending) {  // nothing left to wait for
        teardown();
        continue;
      }
      pause();  // between nodes (a "delay:" readiness) nothing may be running
      continue;
    }
    if (cluster_.phase() == RunPhase::TearingDown && WaitStatus(status).stopped()) {
      // Anything still stopping now (a task born during teardown) is killed, not resumed.
      kill(pid, SIGKILL);
      Tracee(pid).resume(false);
      continue;
    }
    on_wait(pid, WaitStatus(status));
    end_when_settled();
  }
}

RunResult Session::run() {
  cluster_.clock().begin = now_ns();
  Trace& trace = result_.trace;
  trace.target = spec_.name;
  // Named as the run's file writes are: ${RUN_DIR}/..., digit runs as "#"; a relative name is
  // in the run directory (every node's default working directory).
  auto file_names = [&](const std::vector<std::string>& files) {
    std::vector<std::string> out;
    for (const std::string& f : files) {
      std::filesystem::path p = expand_vars(f, opts_.run_dir, spec_.dir);
      if (p.is_relative()) p = opts_.run_dir / p;
      out.push_back(stable_file_name(names_.file_label(p.lexically_normal().string())));
    }
    return out;
  };
  trace.outcome_files = file_names(spec_.oracle.outcome_files);
  trace.replica_files = file_names(spec_.oracle.replica_files);
  trace.run_dir = opts_.run_dir.string();
  trace.plan = opts_.plan;

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

  if (opts_.isolate) cluster_.start_namespace_init();
  cluster_.begin();
  try {
    on_tick();
    drain();
  } catch (const std::exception& e) {
    // Leave nothing behind, then report the original problem.
    if (cluster_.phase() != RunPhase::TearingDown) teardown();
    try {
      drain();
    } catch (const std::exception& again) {
      fmt::print(stderr, "fissure: while cleaning up after '{}': {}\n", e.what(), again.what());
    }
    timer_delete(timer);
    sched_setaffinity(0, sizeof saved, &saved);
    throw;
  }
  timer_delete(timer);
  sched_setaffinity(0, sizeof saved, &saved);
  cluster_.end();
  trace.end_ns = now_ns();
  derive_causality(trace);
  result_.verdict = cluster_.verdict();
  result_.unreached = faults_.unreached();
  if (debug_enabled("phases")) cluster_.clock().print(trace.start_ns);
  return std::move(result_);
}

}  // namespace fissure::detail
