#include "fd_resolver.hpp"

#include <fcntl.h>
#include <fmt/format.h>

#include <algorithm>

namespace fissure::detail {

FdInfo& FdResolver::info(pid_t tgid, int fd, const Hint& hint) {
  FdTable& table = tables_.of(tgid);
  FdInfo* known = table.find(fd);
  // A socket seen before it connected is described again at its connect's exit stop. A
  // unix socket that connected before its peer accepted has no peer inode yet (the accept
  // makes it): it is looked at again at its next use.
  bool unsettled = known && known->kind == FdInfo::Kind::Socket &&
                   known->ckind == ChannelKind::UnixStream && known->channel < 0;
  if (known && !unsettled) return *known;
  FdInfo info = resolve(tgid, fd, hint);
  return tables_.of(tgid).assign(fd, std::move(info));
}

void FdResolver::forget(pid_t tgid, int fd) {
  std::optional<FdInfo> gone = tables_.of(tgid).take(fd);
  if (gone && gone->kind == FdInfo::Kind::Socket) sockets_.forget(gone->inode);
}

// Starts deferring a TCP socket's data calls, with the kernel's totals at this moment as the
// baseline: bytes moved before fissure first saw the socket are not this run's messages.
void FdResolver::track_tcp(const FdInfo& fdi, int copy) {
  if (tcp_.tracked(fdi.inode)) return;
  auto now = tcp_totals(copy);
  if (!now) return;  // TCP_INFO unreadable: keep exit stops for this socket
  tcp_.track(fdi.inode, fdi.local, fdi.remote, *now);
}

// Learns an inet socket's type and endpoints from a copy of its fd (pidfd_getfd): nothing
// runs inside the tracee. False if it is not an inet socket.
bool FdResolver::describe_inet(pid_t tgid, int fd, FdInfo& out, const Hint& hint) {
  OwnedFd copy = tracee_fds_.copy(tgid, fd, out.inode);
  if (!copy) return false;
  ++stats_.fd_copies;
  auto inet = describe_inet_socket(copy.get());
  if (!inet) return false;
  out.kind = FdInfo::Kind::Socket;
  out.ckind = inet->stream ? ChannelKind::Tcp : ChannelKind::Udp;
  out.local = inet->local;
  out.remote = inet->remote;
  if (out.ckind == ChannelKind::Udp) return true;
  if (out.remote.empty() && hint.role == Hint::Role::Connector) out.remote = hint.remote;
  if (out.remote.empty()) return true;  // listening, or not connected yet
  const std::string& lo = std::min(out.local, out.remote);
  const std::string& hi = std::max(out.local, out.remote);
  // Side a is the connector. Without a hint, the acceptor is the end on a listening port.
  bool acceptor = hint.role == Hint::Role::Acceptor ||
                  (hint.role == Hint::Role::Unknown && tcp_port_listening(port_of(out.local)));
  const std::string& a = acceptor ? out.remote : out.local;
  const std::string& b = acceptor ? out.local : out.remote;
  out.channel = channels_.get(ChannelKind::Tcp, "tcp:" + lo + "|" + hi, a, b, b);
  out.a_side = channels_[out.channel].side_a == out.local;
  if (track_tcp_) track_tcp(out, copy.get());
  return true;
}

FdInfo FdResolver::resolve(pid_t tgid, int fd, const Hint& hint) {
  FdInfo out;
  if (fd < 0) return out;
  FdTarget target = inspect_fd(tgid, fd);
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
          auto peer = unix_peer_inode(target.inode);
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
          out.channel = channels_.get(out.ckind, fmt::format("unix:{}|{}", lo, hi), a, b,
                                      names_.file_label(label));
          out.a_side = channels_[out.channel].side_a == out.local;
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
      out.channel = channels_.get(ChannelKind::Pipe, side, side + ":w", side + ":r", side);
      out.a_side = fd_access_mode(tgid, fd) != O_RDONLY;
      return out;
    }
    case FdTarget::Kind::RegularFile: {
      if (own_files_.contains(target.inode)) return out;  // the run's own stdout/stderr logs
      out.kind = FdInfo::Kind::File;
      out.ckind = ChannelKind::File;
      // The channel is made at the first write or sync: files only read are no channels.
      out.local = names_.file_label(target.path);
      return out;
    }
    case FdTarget::Kind::Other:
    case FdTarget::Kind::Gone:
      return out;
  }
  return out;
}

}  // namespace fissure::detail
