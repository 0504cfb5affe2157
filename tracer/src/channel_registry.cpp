#include "channel_registry.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace fissure::detail {

std::string concrete_local(const std::string& local, const std::string& peer) {
  auto host_of = [](const std::string& ep) { return ep.substr(0, ep.rfind(':')); };
  std::string host = host_of(local);
  if ((host == "0.0.0.0" || host == "[::]") && !peer.empty())
    return host_of(peer) + local.substr(local.rfind(':'));
  return local;
}

std::int32_t ChannelRegistry::get(ChannelKind kind, const std::string& key, const std::string& a,
                                  const std::string& b, const std::string& label) {
  auto [it, inserted] = by_key_.try_emplace(key, static_cast<std::int32_t>(channels_.size()));
  if (inserted) {
    Channel& ch = channels_.emplace_back();
    ch.id = static_cast<std::uint32_t>(it->second);
    ch.kind = kind;
    ch.side_a = a;
    ch.side_b = b;
    ch.label = label;
    sent.push_back({0, 0});
    received.push_back({0, 0});
  }
  return it->second;
}

std::int32_t ChannelRegistry::datagram(const FdInfo& fdi, const std::string& peer, bool sending,
                                       EventDir& dir) {
  if (fdi.channel >= 0) {  // connected unix datagram pair
    dir = sending ? fdi.send_dir() : fdi.recv_dir();
    return fdi.channel;
  }
  if (peer.empty()) return -1;
  std::string local = concrete_local(fdi.local, peer);
  const std::string& lo = std::min(local, peer);
  const std::string& hi = std::max(local, peer);
  std::int32_t id = get(fdi.ckind, fmt::format("{}:{}|{}", to_string(fdi.ckind), lo, hi), lo, hi,
                        fmt::format("{} <-> {}", lo, hi));
  bool local_is_a = channels_[static_cast<std::size_t>(id)].side_a == local;
  dir = (sending == local_is_a) ? EventDir::AtoB : EventDir::BtoA;
  return id;
}

}  // namespace fissure::detail
