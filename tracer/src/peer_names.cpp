#include "peer_names.hpp"

#include <fmt/format.h>

#include <cctype>
#include <exception>
#include <system_error>

namespace fissure::detail {

std::uint16_t port_of(const std::string& endpoint) {
  auto colon = endpoint.rfind(':');
  if (colon == std::string::npos) return 0;
  try {
    return static_cast<std::uint16_t>(std::stoul(endpoint.substr(colon + 1)));
  } catch (const std::exception&) {
    return 0;
  }
}

std::string stable_file_name(std::string_view label) {
  std::string name;
  for (std::size_t i = 0; i < label.size();) {
    std::size_t j = i;
    while (j < label.size() && std::isdigit(static_cast<unsigned char>(label[j]))) ++j;
    if (j - i >= 4) {
      name += '#';
      i = j;
    } else if (j > i) {
      name.append(label, i, j - i);
      i = j;
    } else {
      name += label[i++];
    }
  }
  return name;
}

std::string PeerNames::endpoint_name(const std::string& endpoint, const std::string& local) {
  auto exact = endpoint_node.find(endpoint);
  if (exact != endpoint_node.end()) return spec_.nodes[exact->second].name;
  auto listener = listen_port_node.find(port_of(endpoint));
  if (listener != listen_port_node.end()) return spec_.nodes[listener->second].name;
  auto outside = outside_endpoints_.find(endpoint);
  if (outside != outside_endpoints_.end()) return outside->second;
  if (endpoint.starts_with("unix:")) return endpoint;  // a path nobody in the run bound
  // The connecting side's own connect exit may not have been handled yet: find the
  // process that holds the other end of this connection.
  if (auto inode = diag_.inode_of(endpoint, local)) {
    for (const auto& [tgid, node] : tgid_node) {
      std::error_code ec;
      for (const auto& entry :
           std::filesystem::directory_iterator(fmt::format("/proc/{}/fd", tgid), ec)) {
        std::error_code lec;
        auto target = std::filesystem::read_symlink(entry.path(), lec);
        if (!lec && target.string() == fmt::format("socket:[{}]", *inode)) {
          endpoint_node[endpoint] = static_cast<std::int32_t>(node);
          return spec_.nodes[node].name;
        }
      }
    }
  }
  // No process of the run holds the other end. An ephemeral endpoint stays outside; a server
  // port may belong to a node that has not listened yet, so that answer is not kept.
  if (port_of(endpoint) < 32768) return endpoint;
  std::string label = endpoint.substr(0, endpoint.rfind(':')) + ":*";
  outside_endpoints_.emplace(endpoint, label);
  return label;
}

std::string PeerNames::peer_of(std::uint32_t node, const std::string& call_peer, OpClass op,
                               const FdInfo& fdi) {
  switch (op) {
    case OpClass::FileWrite:
    case OpClass::Fsync:
      return stable_file_name(fdi.local);
    case OpClass::Accept:  // the listening endpoint; a unix listener by its path, not its inode
      return fdi.path.empty() ? fdi.local : file_label(fdi.path);
    case OpClass::Connect:
      return call_peer.empty() ? "?" : endpoint_name(call_peer, fdi.local);
    case OpClass::Send:
    case OpClass::Recv:
      break;
  }
  if (fdi.kind == FdInfo::Kind::Pipe) return spec_.nodes[node].name;
  if (fdi.kind != FdInfo::Kind::Socket) return "?";
  if (fdi.ckind == ChannelKind::Tcp) return endpoint_name(fdi.remote, fdi.local);
  if (fdi.ckind == ChannelKind::Udp) {
    std::string peer = !call_peer.empty() ? call_peer : fdi.remote;
    return peer.empty() ? "*" : endpoint_name(peer, fdi.local);  // unconnected receive: anyone
  }
  // Unix sockets: the node holding the peer socket, else the socket's path.
  if (fdi.remote.starts_with("unix:")) {
    auto it = unix_inode_node.find(std::stoull(fdi.remote.substr(5)));
    if (it != unix_inode_node.end()) return spec_.nodes[it->second].name;
  }
  return fdi.channel >= 0 ? channels_[static_cast<std::size_t>(fdi.channel)].label : "?";
}

InjectionPoint PeerNames::point(std::uint32_t node, OpClass op, std::string peer) {
  std::uint32_t k = ++point_counts_[{node, op, peer}];
  return {spec_.nodes[node].name, op, std::move(peer), k};
}

std::string PeerNames::file_label(const std::string& path) const {
  std::string run = run_dir_.string();
  if (path.starts_with(run + "/")) return "${RUN_DIR}" + path.substr(run.size());
  return path;
}

}  // namespace fissure::detail
