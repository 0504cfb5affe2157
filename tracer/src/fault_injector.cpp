#include "fault_injector.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

#include "clock.hpp"
#include "tracee.hpp"

namespace fissure::detail {

std::optional<std::size_t> FaultInjector::apply(const Thread& t, PendingCall& c,
                                                user_regs_struct& regs, const FdInfo& fdi,
                                                bool ending) {
  const OpClass op = c.point.op;
  const auto& faults = plan_.faults;
  const std::size_t plan_size = ending ? 0 : faults.size();
  for (std::size_t i = 0; i < plan_size; ++i) {
    const Fault& f = faults[i];
    if (fired_[i] || f.kind == FaultKind::Restart || f.at != c.point) continue;
    c.fires = i;
    switch (f.kind) {
      case FaultKind::Crash:
        c.fires.reset();
        if (f.after) {
          c.crash_after = i;
          break;
        }
        c.injected = true;
        return i;  // the call never runs: its node dies first
      case FaultKind::Error:
      case FaultKind::Disk:
        skip_call(t, c, regs, -f.err);
        return std::nullopt;
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
          return std::nullopt;
        }
        if (fdi.kind == FdInfo::Kind::Pipe) {  // a pipe has no connection to break
          c.fires.reset();
          continue;
        }
        c.fdi = fdi;
        break_connection(t.tgid, c);
        skip_call(t, c, regs, -ECONNRESET);
        return std::nullopt;
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
  return std::nullopt;
}

bool FaultInjector::cut_by_partition(const Thread& t, const std::string& peer) const {
  const std::string& self = spec_.nodes[t.node].name;
  std::uint64_t now = now_ns();
  for (const auto& p : partitions_) {
    if (p.until_ns && now >= p.until_ns) continue;  // healed
    int mine = -1, theirs = -1;
    const auto& groups = plan_.faults[p.fault].groups;
    for (std::size_t g = 0; g < groups.size(); ++g)
      for (const auto& n : groups[g]) {
        if (n == self) mine = static_cast<int>(g);
        if (n == peer) theirs = static_cast<int>(g);
      }
    if (mine >= 0 && theirs >= 0 && mine != theirs) return true;
  }
  return false;
}

void FaultInjector::recorded(const PendingCall& c, std::uint64_t event) {
  if (!c.fires) return;
  const Fault& f = plan_.faults[*c.fires];
  fire(*c.fires, event, f.kind == FaultKind::Partition ? "partition starts" : "");
  if (f.kind == FaultKind::Partition)
    partitions_.push_back({*c.fires, f.heal_ms ? now_ns() + f.heal_ms * 1'000'000ull : 0});
}

void FaultInjector::fire(std::size_t fault, std::uint64_t event, std::string note) {
  if (fired_[fault]) return;
  fired_[fault] = true;
  trace_.fired.push_back({fault, event, now_ns(), std::move(note)});
}

void FaultInjector::crashed(std::size_t node, std::size_t fault, std::uint64_t event,
                            std::string note) {
  fire(fault, event, std::move(note));
  for (std::size_t i = 0; i < plan_.faults.size(); ++i) {
    const Fault& f = plan_.faults[i];
    if (f.kind == FaultKind::Restart && f.node == spec_.nodes[node].name && !fired_[i])
      restarts_.push_back({node, i, now_ns() + f.delay_ms * 1'000'000ull});
  }
}

void FaultInjector::skip_call(const Thread& t, PendingCall& c, user_regs_struct& regs,
                              long result) {
  regs.orig_rax = static_cast<std::uint64_t>(-1);
  // A task killed at this stop runs no call at all: nothing was injected.
  if (!Tracee(t.tid).set_regs(regs)) return;
  c.forced = result;
  c.injected = true;
}

// Resets a TCP connection for both ends: connect(AF_UNSPEC) on a copy of the socket's fd
// disconnects the socket itself, so the peer sees ECONNRESET.
bool FaultInjector::break_connection(pid_t tgid, const PendingCall& c) {
  OwnedFd copy = tracee_fds_.copy(tgid, c.fd, c.fdi.inode);
  if (!copy) return false;
  if (c.fdi.ckind != ChannelKind::Tcp)  // unix streams: no reset, but both ends see the end
    return shutdown(copy.get(), SHUT_RDWR) == 0;
  sockaddr unspec{};
  unspec.sa_family = AF_UNSPEC;
  return connect(copy.get(), &unspec, sizeof unspec) == 0;
}

bool FaultInjector::parked(pid_t tid) const {
  return std::ranges::any_of(delayed_, [&](const Delayed& d) { return d.tid == tid; });
}

namespace {

// Takes out of `pending` what is due by `now` (its time read by `when`), in order.
template <class T, class When>
std::vector<T> take_due(std::vector<T>& pending, std::uint64_t now, When when) {
  std::vector<T> due;
  std::erase_if(pending, [&](const T& x) {
    if (when(x) > now) return false;
    due.push_back(x);
    return true;
  });
  return due;
}

}  // namespace

std::vector<FaultInjector::Delayed> FaultInjector::due_delays(std::uint64_t now) {
  return take_due(delayed_, now, [](const Delayed& d) { return d.until_ns; });
}

std::vector<FaultInjector::Restart> FaultInjector::due_restarts(std::uint64_t now) {
  return take_due(restarts_, now, [](const Restart& r) { return r.at_ns; });
}

std::vector<std::size_t> FaultInjector::unreached() const {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < fired_.size(); ++i)
    if (!fired_[i]) out.push_back(i);
  return out;
}

}  // namespace fissure::detail
