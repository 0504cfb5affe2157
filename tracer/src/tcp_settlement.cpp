#include "tcp_settlement.hpp"

#include <cerrno>

#include "clock.hpp"

namespace fissure::detail {

void TcpSettlement::track(std::uint64_t inode, const std::string& local, const std::string& remote,
                          const TcpTotals& now) {
  if (deferred_.contains(inode)) return;
  Deferred d{local, remote, now.read(false), now.written, -1, -1};
  // A connect still in flight: its SYN is counted as acked once the handshake completes.
  if (now.state == kTcpSynSent) d.base_read = 0, d.base_written = 1;
  deferred_.emplace(inode, std::move(d));
}

bool TcpSettlement::can_defer(std::uint64_t inode, bool sending) {
  auto it = deferred_.find(inode);
  if (it == deferred_.end()) return false;
  std::int64_t pending = sending ? it->second.pending_write : it->second.pending_read;
  if (pending < 0) return true;
  // Another thread's call in this direction is still blocked: its count cannot be told
  // apart from this one's, so this one is read at its exit stop instead.
  if (!returned_(events_[static_cast<std::size_t>(pending)],
                 sending ? it->second.write_stops : it->second.read_stops))
    return false;
  settle(inode);
  return true;
}

void TcpSettlement::deferred(std::uint64_t inode, bool sending, std::uint64_t id,
                             std::uint64_t stops) {
  Deferred& d = deferred_.at(inode);
  (sending ? d.pending_write : d.pending_read) = static_cast<std::int64_t>(id);
  (sending ? d.write_stops : d.read_stops) = stops;
}

// Whether the other side has closed or shut down its sending direction `dir` of `channel`
// (so its FIN may have arrived): the trace knows where the TCP state cannot tell.
bool TcpSettlement::peer_finished(std::int32_t channel, EventDir dir) const {
  for (auto it = events_.rbegin(); it != events_.rend(); ++it)
    if (it->channel == channel && it->dir == dir && !sys_info(it->sys).has(kSend | kRecv) &&
        it->sys != Sys::connect && it->sys != Sys::accept && it->sys != Sys::accept4)
      return true;
  return false;
}

void TcpSettlement::settle(std::uint64_t inode, bool force) {
  auto it = deferred_.find(inode);
  if (it == deferred_.end()) return;
  Deferred& d = it->second;
  // A call still blocked in its thread (another process closing its copy of the socket,
  // say) stays pending: its bytes are not all in the counters yet.
  bool read_done =
      d.pending_read >= 0 &&
      (force || returned_(events_[static_cast<std::size_t>(d.pending_read)], d.read_stops));
  bool write_done =
      d.pending_write >= 0 &&
      (force || returned_(events_[static_cast<std::size_t>(d.pending_write)], d.write_stops));
  if (!read_done && !write_done) return;
  std::vector<std::pair<pid_t, int>> holders;
  for (std::int64_t id : {d.pending_read, d.pending_write})
    if (id >= 0) {
      const Event& e = events_[static_cast<std::size_t>(id)];
      holders.emplace_back(e.pid, e.fd);
    }
  std::optional<TcpTotals> now = source_.totals(d.local, d.remote, inode, holders);
  auto finish = [&](std::int64_t& pending, bool reading, bool done) {
    if (pending < 0 || !done) return;
    Event& e = events_[static_cast<std::size_t>(pending)];
    pending = -1;
    bool in_flight = !returned_(e, reading ? d.read_stops : d.write_stops);
    e.end_ns = now_ns();
    if (!now) {
      e.result = -ESRCH;
      return;
    }
    // In CLOSE the state cannot say whether a FIN came (it may have been a reset): the trace
    // can, if the peer's close or shutdown is in it.
    bool fin = now->fin_received || (now->state == kTcpClose && peer_finished(e.channel, e.dir));
    std::uint64_t total = reading ? now->read(fin) - d.base_read : now->written - d.base_written;
    int dir = e.dir == EventDir::AtoB ? 0 : 1;
    std::uint64_t& counter = reading ? received_[e.channel][dir] : sent_[e.channel][dir];
    std::int64_t moved = total > counter ? static_cast<std::int64_t>(total - counter) : 0;
    e.offset = counter;
    e.moved = moved;
    counter += static_cast<std::uint64_t>(moved);
    bool eof = reading && fin;
    e.result = moved > 0 ? moved : in_flight ? -EINTR : eof ? 0 : -EAGAIN;
  };
  finish(d.pending_read, true, read_done);
  finish(d.pending_write, false, write_done);
}

void TcpSettlement::settle_where(const std::function<bool(const Event&)>& owner, bool force) {
  for (auto& [inode, d] : deferred_) {
    bool mine = (d.pending_read >= 0 && owner(events_[static_cast<std::size_t>(d.pending_read)])) ||
                (d.pending_write >= 0 && owner(events_[static_cast<std::size_t>(d.pending_write)]));
    if (mine) settle(inode, force);
  }
}

std::vector<const Event*> TcpSettlement::in_flight() const {
  std::vector<const Event*> out;
  for (const auto& [inode, d] : deferred_) {
    if (d.pending_read >= 0) {
      const Event& e = events_[static_cast<std::size_t>(d.pending_read)];
      if (!returned_(e, d.read_stops)) out.push_back(&e);
    }
    if (d.pending_write >= 0) {
      const Event& e = events_[static_cast<std::size_t>(d.pending_write)];
      if (!returned_(e, d.write_stops)) out.push_back(&e);
    }
  }
  return out;
}

}  // namespace fissure::detail
