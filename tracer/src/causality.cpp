#include <algorithm>
#include <cerrno>
#include <deque>
#include <set>
#include <map>
#include <unordered_map>

#include "fissure/tracer/trace.hpp"

namespace fissure {
namespace {

bool is_stream(ChannelKind k) {
  return k == ChannelKind::Tcp || k == ChannelKind::UnixStream || k == ChannelKind::Pipe;
}
bool is_dgram(ChannelKind k) {
  return k == ChannelKind::Udp || k == ChannelKind::UnixDgram;
}
int dir_index(EventDir d) {
  return d == EventDir::AtoB ? 0 : 1;
}

struct Flow {
  std::vector<const Event*> sends;
  std::vector<const Event*> recvs;
  std::vector<const Event*> closes;  // close/shutdown by the sending side
};

void link_stream(const Flow& f, EdgeKind kind, std::vector<Edge>& out) {
  auto by_offset = [](const Event* a, const Event* b) { return a->offset < b->offset; };
  std::vector<const Event*> sends = f.sends, recvs = f.recvs;
  std::stable_sort(sends.begin(), sends.end(), by_offset);
  std::stable_sort(recvs.begin(), recvs.end(), by_offset);
  std::size_t first = 0;  // first send that may still overlap the current receive
  for (const Event* r : recvs) {
    std::uint64_t lo = r->offset, hi = r->offset + static_cast<std::uint64_t>(r->moved);
    while (first < sends.size() && sends[first]->offset + sends[first]->moved <= lo) ++first;
    for (std::size_t j = first; j < sends.size() && sends[j]->offset < hi; ++j)
      out.push_back({sends[j]->id, r->id, kind});
  }
}

void link_dgrams(const Flow& f, std::vector<Edge>& out) {
  std::deque<const Event*> pending(f.sends.begin(), f.sends.end());
  for (const Event* r : f.recvs) {
    // Datagrams may be lost, never reordered on loopback: skip unmatched sizes as lost.
    auto it = std::find_if(pending.begin(), pending.end(),
                           [&](const Event* s) { return s->moved == r->moved; });
    if (it == pending.end()) continue;
    out.push_back({(*it)->id, r->id, EdgeKind::Datagram});
    pending.erase(pending.begin(), it + 1);
  }
}

}  // namespace

void derive_causality(Trace& t) {
  t.edges.clear();
  std::set<std::uint64_t> dropped;
  for (const FiredFault& f : t.fired)
    if (f.fault < t.plan.faults.size() && t.plan.faults[f.fault].kind == FaultKind::Drop)
      dropped.insert(f.event);
  std::map<std::pair<std::int32_t, int>, Flow> flows;
  std::unordered_map<std::int32_t, std::vector<const Event*>> accepts, connects;
  std::unordered_map<std::int32_t, std::uint64_t> first_event_of_tid;
  for (auto& c : t.channels) c.node_a = c.node_b = -1;

  for (const Event& e : t.events) {
    first_event_of_tid.try_emplace(e.tid, e.id);
    if (e.channel < 0 || static_cast<std::size_t>(e.channel) >= t.channels.size()) continue;
    Channel& ch = t.channels[e.channel];
    const SysInfo& info = sys_info(e.sys);
    bool acts_as_a = false;
    if (e.sys == Sys::accept || e.sys == Sys::accept4) {
      if (!e.failed()) accepts[e.channel].push_back(&e);
    } else if (e.sys == Sys::connect) {
      connects[e.channel].push_back(&e);
      acts_as_a = true;
    } else if (e.dir != EventDir::None) {
      // Closing the fd (close, close_range, dup2/dup3 onto it, exec's close-on-exec) or
      // shutting it down ends what this side sends.
      bool closing = e.sys == Sys::close || e.sys == Sys::close_range || e.sys == Sys::dup2 ||
                     e.sys == Sys::dup3 || e.sys == Sys::execve || e.sys == Sys::execveat ||
                     e.sys == Sys::shutdown;
      bool sending = info.has(kSend) || closing;
      acts_as_a = (e.dir == EventDir::AtoB) == sending;
      Flow& f = flows[{e.channel, dir_index(e.dir)}];
      if (info.has(kSend) && e.moved > 0)
        f.sends.push_back(&e);
      else if (info.has(kRecv) && !e.failed())
        f.recvs.push_back(&e);
      else if (closing)
        f.closes.push_back(&e);
    } else {
      continue;
    }
    (acts_as_a ? ch.node_a : ch.node_b) = static_cast<std::int32_t>(e.node);
    if (e.sys == Sys::accept || e.sys == Sys::accept4)
      ch.node_b = static_cast<std::int32_t>(e.node);
  }

  for (auto& [key, f] : flows) {
    ChannelKind kind = t.channels[key.first].kind;
    if (is_stream(kind)) {
      // Receives of 0 bytes are EOF: they depend on the sender's last close or shutdown.
      std::vector<const Event*> data, eofs;
      for (const Event* r : f.recvs) (r->moved > 0 ? data : eofs).push_back(r);
      Flow d{f.sends, data, {}};
      link_stream(d, kind == ChannelKind::Pipe ? EdgeKind::Pipe : EdgeKind::Message, t.edges);
      for (const Event* r : eofs) {
        const Event* last = nullptr;
        for (const Event* c : f.closes)
          if (c->time_ns <= r->end_ns) last = c;
        if (last) t.edges.push_back({last->id, r->id, EdgeKind::Eof});
      }
    } else if (is_dgram(kind)) {
      // A datagram a drop fault swallowed never arrives: the receive that comes next got a
      // later one (a retransmission), not it.
      Flow d{{}, {}, {}};
      for (const Event* s : f.sends)
        if (!dropped.count(s->id)) d.sends.push_back(s);
      for (const Event* r : f.recvs)
        if (r->moved > 0) d.recvs.push_back(r);
      link_dgrams(d, t.edges);
    }
  }

  for (auto& [channel, cs] : connects) {
    auto it = accepts.find(channel);
    if (it == accepts.end()) continue;
    for (const Event* c : cs)
      if (c->result == 0 || c->error() == EINPROGRESS)
        t.edges.push_back({c->id, it->second.front()->id, EdgeKind::Connect});
  }

  for (const Event& e : t.events) {
    bool spawns =
        e.sys == Sys::fork || e.sys == Sys::vfork || e.sys == Sys::clone || e.sys == Sys::clone3;
    if (!spawns || e.child <= 0) continue;
    auto it = first_event_of_tid.find(e.child);
    if (it != first_event_of_tid.end() && it->second > e.id)
      t.edges.push_back({e.id, it->second, EdgeKind::Fork});
  }
  std::sort(t.edges.begin(), t.edges.end(), [](const Edge& a, const Edge& b) {
    return std::tie(a.to, a.from) < std::tie(b.to, b.from);
  });
}

}  // namespace fissure
