// The session's handlers for each class of syscall (SysClass), which the syscall table's
// rows name: what a call's entry and exit stops add to the trace and the fd tables, and
// where a fault may land.
#include <fmt/format.h>
#include <linux/close_range.h>
#include <sys/socket.h>

#include <vector>

#include "clock.hpp"
#include "session.hpp"
#include "sockets.hpp"
#include "tracee.hpp"

namespace fissure::detail {

// Indexed by SysClass: the order is the enum's.
const Session::Handlers Session::kHandlers[] = {
    {&Session::enter_data, &Session::exit_data},          // Data
    {&Session::enter_setup, &Session::exit_socket},       // Socket
    {&Session::enter_setup, &Session::exit_bind},         // Bind
    {&Session::enter_setup, &Session::exit_listen},       // Listen
    {&Session::enter_connect, &Session::exit_connect},    // Connect
    {&Session::enter_accept, &Session::exit_accept},      // Accept
    {&Session::enter_shutdown, &Session::exit_shutdown},  // Shutdown
    {&Session::enter_setup, &Session::exit_fd_pair},      // FdPair
    {&Session::enter_close, &Session::exit_none},         // Close
    {&Session::enter_close_range, &Session::exit_none},   // CloseRange
    {&Session::enter_dup, &Session::exit_dup},            // Dup
    {&Session::enter_dup_onto, &Session::exit_dup},       // DupOnto
    {&Session::enter_exec, &Session::exit_exec},          // Exec
    {&Session::enter_exit_group, &Session::exit_none},    // ExitGroup
    {&Session::enter_none, &Session::exit_none},          // Spawn: ptrace events instead
};

// ---------------------------------------------------------------------------------------
// Entry stops

Session::Entry Session::enter_data(Thread& t, user_regs_struct& regs) {
  PendingCall& c = t.call;
  const SysInfo* info = c.info;
  FdInfo& fdi = fds_.info(t.tgid, c.fd);
  bool file = fdi.kind == FdInfo::Kind::File;
  bool wanted =
      fdi.carries_data() && (!info->has(kFileOnly) || file) && !(info->has(kRecv) && file);
  if (!wanted) return {};
  c.fdi = fdi;
  c.asked = c.bytes_asked(t.tid);
  if (info->has(kSend)) c.head = c.bytes_head(t.tid);
  if (fdi.dgram() && c.peer_at_entry()) c.peer = c.peer_arg(t.tid);
  OpClass op = file ? (info->has(kSync) ? OpClass::Fsync : OpClass::FileWrite)
                    : (info->has(kSend) ? OpClass::Send : OpClass::Recv);
  c.point = names_.point(t.node, op, names_.peer_of(t.node, c.peer, op, c.fdi));
  if (std::optional<std::size_t> crash = faults_.apply(t, c, regs, c.fdi, ending())) {
    crash_before(t, c.fdi, *crash);
    return {.handled = true};
  }
  return {.want_exit = c.forced || c.crash_after || !defer(t, c)};
}

Session::Entry Session::enter_setup(Thread& t, user_regs_struct&) {
  PendingCall& c = t.call;
  if (c.peer_at_entry()) c.peer = c.peer_arg(t.tid);
  return {.want_exit = true};
}

Session::Entry Session::enter_shutdown(Thread& t, user_regs_struct& regs) {
  const FdInfo* fdi = fds_.table(t.tgid).find(t.call.fd);
  if (fdi && fdi->kind == FdInfo::Kind::Socket) tcp_.settle(fdi->inode);
  return enter_setup(t, regs);
}

Session::Entry Session::enter_connect(Thread& t, user_regs_struct& regs) {
  enter_setup(t, regs);
  return at_point(t, regs, OpClass::Connect, FdInfo());
}

Session::Entry Session::enter_accept(Thread& t, user_regs_struct& regs) {
  enter_setup(t, regs);
  return at_point(t, regs, OpClass::Accept, fds_.info(t.tgid, t.call.fd));  // the listener
}

// A connect's or accept's injection point, where the plan may fail, delay or crash.
Session::Entry Session::at_point(Thread& t, user_regs_struct& regs, OpClass op, const FdInfo& fdi) {
  PendingCall& c = t.call;
  c.point = names_.point(t.node, op, names_.peer_of(t.node, c.peer, op, fdi));
  if (std::optional<std::size_t> crash = faults_.apply(t, c, regs, fdi, ending())) {
    crash_before(t, fdi, *crash);
    return {.handled = true};
  }
  return {.want_exit = true};
}

// The call never runs: its node dies first. It is recorded, as the call the fault was at.
void Session::crash_before(Thread& t, const FdInfo& fdi, std::size_t fault) {
  const PendingCall& c = t.call;
  Event& e = add_event(t, c.info->sys);
  e.fd = c.fd;
  e.channel = fdi.channel;
  note_call(e, c);
  crash_node(t.node, fault, e.id);
}

Session::Entry Session::enter_close(Thread& t, user_regs_struct&) {
  close_fd(t, t.call.fd, Sys::close);
  return {};
}

Session::Entry Session::enter_close_range(Thread& t, user_regs_struct&) {
  const auto& a = t.call.args;
  if (a[2] & CLOSE_RANGE_CLOEXEC) return {};  // marks fds; exec closes them (enter_exec)
  for (int fd :
       fds_.table(t.tgid).in_range(static_cast<unsigned>(a[0]), static_cast<unsigned>(a[1])))
    close_fd(t, fd, Sys::close_range);
  return {};
}

Session::Entry Session::enter_dup(Thread& t, user_regs_struct&) {
  PendingCall& c = t.call;
  FdInfo& src = fds_.info(t.tgid, c.fd);
  if (!src.carries_data()) return {};
  c.fdi = src;
  return {.want_exit = true};
}

Session::Entry Session::enter_dup_onto(Thread& t, user_regs_struct& regs) {
  PendingCall& c = t.call;
  // dup2/dup3 onto an open fd closes it first.
  if (c.args[1] != c.args[0]) close_fd(t, static_cast<int>(c.args[1]), c.info->sys);
  return enter_dup(t, regs);
}

Session::Entry Session::enter_exec(Thread& t, user_regs_struct&) {
  PendingCall& c = t.call;
  pid_t tgid = t.tgid;
  settle_process(tgid);
  // A successful exec closes the close-on-exec fds; record those that are channels now,
  // while their flags can still be read.
  auto cloexec =
      fds_.table(tgid).closed_by_exec([tgid](int fd) { return fd_close_on_exec(tgid, fd); });
  for (int fd : cloexec) close_fd(t, fd, c.info->sys);
  c.peer = c.peer_arg(t.tid);
  return {.want_exit = true};  // an exec event follows on success; the exit stop only on failure
}

Session::Entry Session::enter_exit_group(Thread& t, user_regs_struct&) {
  settle_process(t.tgid);
  Event& e = add_event(t, Sys::exit_group);
  e.result = static_cast<std::int64_t>(static_cast<int>(t.call.args[0]));
  return {};
}

Session::Entry Session::enter_none(Thread&, user_regs_struct&) {
  static_assert(std::size(kHandlers) == kSysClasses, "a row of kHandlers per SysClass");
  return {};
}

// ---------------------------------------------------------------------------------------
// Exit stops

Event& Session::add_call_event(Thread& t, std::int64_t ret) {
  const PendingCall& c = t.call;
  Event& e = add_event(t, c.info->sys);
  e.fd = c.fd;
  e.result = ret;
  e.peer = c.peer;
  note_call(e, c);
  return e;
}

void Session::exit_socket(Thread& t, std::int64_t ret) {
  add_call_event(t, ret);
}

// A socket just bound, listening or connected is described again: its endpoints have
// changed.
const FdInfo& Session::relearn(Thread& t, const FdResolver::Hint& hint) {
  fds_.forget(t.tgid, t.call.fd);
  return fds_.info(t.tgid, t.call.fd, hint);
}

// Who is behind which endpoint is learnt as sockets are bound, listen and connect: peers are
// named after nodes, not ports.
void Session::exit_bind(Thread& t, std::int64_t ret) {
  add_call_event(t, ret);
  const FdInfo& fdi = relearn(t, {});
  if (ret != 0) return;
  const auto node = static_cast<std::int32_t>(t.node);
  // A bound UDP socket is where datagrams to its port arrive, as a listener is for TCP.
  if (fdi.kind == FdInfo::Kind::Socket && fdi.ckind == ChannelKind::Udp)
    names_.listen_port_node[port_of(fdi.local)] = node;
  if (!fdi.local.empty()) names_.endpoint_node[fdi.local] = node;
  if (t.call.peer.starts_with("unix:")) names_.endpoint_node[t.call.peer] = node;
}

void Session::exit_listen(Thread& t, std::int64_t ret) {
  add_call_event(t, ret);
  const FdInfo& fdi = relearn(t, {});
  if (ret == 0 && fdi.kind == FdInfo::Kind::Socket)
    names_.listen_port_node[port_of(fdi.local)] = static_cast<std::int32_t>(t.node);
}

void Session::exit_connect(Thread& t, std::int64_t ret) {
  Event& e = add_call_event(t, ret);
  // A non-blocking connect has no peer name yet: the address it was given stands in.
  const FdInfo& fdi = relearn(t, {FdResolver::Hint::Role::Connector, t.call.peer});
  if ((ret == 0 || ret == -EINPROGRESS) && !fdi.local.empty())
    names_.endpoint_node[fdi.local] = static_cast<std::int32_t>(t.node);
  if (fdi.channel >= 0) {
    e.channel = fdi.channel;
    e.dir = fdi.send_dir();
  }
}

void Session::exit_accept(Thread& t, std::int64_t ret) {
  Event& e = add_call_event(t, ret);
  if (ret < 0) return;
  const FdInfo& fdi =
      fds_.info(t.tgid, static_cast<int>(ret), {FdResolver::Hint::Role::Acceptor, {}});
  e.channel = fdi.channel;
  if (fdi.kind == FdInfo::Kind::Socket && !fdi.remote.empty())
    e.peer = fdi.remote;
  else if (fdi.channel >= 0)
    e.peer = fdi.a_side ? channels_[fdi.channel].side_b : channels_[fdi.channel].side_a;
}

void Session::exit_shutdown(Thread& t, std::int64_t ret) {
  Event& e = add_call_event(t, ret);
  const FdInfo& fdi = fds_.info(t.tgid, t.call.fd);
  e.channel = fdi.channel;
  e.dir = fdi.send_dir();
}

void Session::exit_fd_pair(Thread& t, std::int64_t ret) {
  Event& e = add_call_event(t, ret);
  if (ret != 0) return;
  if (auto pair = t.call.fd_pair(t.tid)) {
    e.peer = fmt::format("{},{}", (*pair)[0], (*pair)[1]);
    e.channel = fds_.info(t.tgid, (*pair)[0]).channel;
  }
}

void Session::exit_dup(Thread& t, std::int64_t ret) {
  const PendingCall& c = t.call;
  if (ret < 0) return;
  fds_.table(t.tgid).assign(static_cast<int>(ret), c.fdi);
  Event& e = add_event(t, c.info->sys);
  e.fd = c.fd;
  e.result = ret;
  e.channel = c.fdi.channel;
}

void Session::exit_exec(Thread& t, std::int64_t ret) {
  Event& e = add_event(t, t.call.info->sys);  // only failed execs reach their exit stop
  e.result = ret;
  e.peer = t.call.peer;
}

void Session::exit_none(Thread&, std::int64_t) {}

void Session::exit_data(Thread& t, std::int64_t ret) {
  PendingCall& c = t.call;
  const SysInfo& info = *c.info;
  if (info.shape == BufShape::MMsg) {
    record_mmsg(t, ret);
    return;
  }
  bool sending = info.has(kSend);
  Event& e = add_event(t, info.sys);
  note_call(e, c);
  e.fd = c.fd;
  e.asked = c.asked;
  e.result = ret;
  e.moved = ret > 0 && !info.has(kSync) ? ret : 0;
  if (c.peeks()) e.moved = 0;
  if (c.fdi.dgram()) {
    record_dgram(t, e, ret);
    return;
  }
  const FdInfo& fdi = c.fdi;
  e.channel = fdi.channel;
  if (fdi.kind == FdInfo::Kind::File) {
    e.channel =
        channels_.get(ChannelKind::File, "file:" + fdi.local, fdi.local, fdi.local, fdi.local);
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

// One event per datagram: each is its own message for causality.
void Session::record_mmsg(Thread& t, std::int64_t ret) {
  PendingCall& c = t.call;
  const SysInfo& info = *c.info;
  bool sending = info.has(kSend);
  std::uint64_t n = ret > 0 ? static_cast<std::uint64_t>(ret) : 0;
  std::vector<mmsghdr> msgs(std::min<std::uint64_t>(n, 1024));
  if (!msgs.empty() && !read_memory(t.tid, c.args[1], msgs.data(), msgs.size() * sizeof(mmsghdr)))
    msgs.clear();
  for (const auto& m : msgs) {
    Event& e = add_event(t, info.sys);
    note_call(e, c);
    e.fd = c.fd;
    e.moved = e.asked = m.msg_len;
    e.result = m.msg_len;
    e.peer = read_sockaddr(t.tid, reinterpret_cast<std::uint64_t>(m.msg_hdr.msg_name),
                           m.msg_hdr.msg_namelen);
    if (e.peer.empty()) e.peer = c.fdi.remote;
    e.channel = channels_.datagram(c.fdi, e.peer, sending, e.dir);
  }
  if (msgs.empty()) {
    Event& e = add_event(t, info.sys);
    note_call(e, c);
    e.fd = c.fd;
    e.result = ret;
  }
}

void Session::record_dgram(Thread& t, Event& e, std::int64_t ret) {
  PendingCall& c = t.call;
  bool sending = c.info->has(kSend);
  std::string peer = c.peer;
  if (!sending && ret >= 0)
    if (std::string from = c.peer_arg(t.tid); !from.empty()) peer = from;
  if (peer.empty()) peer = c.fdi.remote;
  e.peer = peer;
  if (sending && c.fdi.ckind == ChannelKind::Udp &&
      (c.fdi.local.empty() || c.fdi.local.ends_with(":0"))) {
    // The first send of an unbound socket picked its port: learn it now.
    fds_.forget(t.tgid, c.fd);
    c.fdi = fds_.info(t.tgid, c.fd);
    if (!c.fdi.local.empty())
      names_.endpoint_node[concrete_local(c.fdi.local, peer)] = static_cast<std::int32_t>(t.node);
  }
  if (e.moved > 0 || sending) e.channel = channels_.datagram(c.fdi, peer, sending, e.dir);
}

// Records the data call at its entry and lets it run without an exit stop; its byte count
// is read from the socket's counters when the next call in the same direction starts (or
// the socket is closed, the process execs or exits, or the run ends).
bool Session::defer(Thread& t, const PendingCall& c) {
  const FdInfo& fdi = fds_.info(t.tgid, c.fd);
  if (fdi.kind != FdInfo::Kind::Socket || fdi.ckind != ChannelKind::Tcp || fdi.channel < 0)
    return false;
  if (c.peeks() || c.info->shape == BufShape::MMsg) return false;
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

}  // namespace fissure::detail
