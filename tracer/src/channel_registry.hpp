// The run's channels (Trace::channels), one per key ("tcp:LO|HI", "pipe:INODE", ...), and
// how many bytes each has carried in each direction so far: a stream's event offsets.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "fd_info.hpp"
#include "fissure/tracer/trace.hpp"
#include "tcp_settlement.hpp"

namespace fissure::detail {

// Loopback datagrams leave a wildcard-bound socket from the address they were sent to, so a
// wildcard local address is named after the peer's host: both ends then agree on the key.
std::string concrete_local(const std::string& local, const std::string& peer);

class ChannelRegistry {
 public:
  explicit ChannelRegistry(std::vector<Channel>& channels) : channels_(channels) {}
  // The channel with this key, made with these sides and label the first time.
  std::int32_t get(ChannelKind kind, const std::string& key, const std::string& a,
                   const std::string& b, const std::string& label);
  // A datagram's channel: the connected pair's, else the one between this socket's local
  // endpoint and `peer`, with the datagram's direction in `dir`. -1 without a peer.
  std::int32_t datagram(const FdInfo& fdi, const std::string& peer, bool sending, EventDir& dir);
  const Channel& operator[](std::int32_t id) const {
    return channels_[static_cast<std::size_t>(id)];
  }

  StreamCounters sent, received;  // per channel and direction

 private:
  std::vector<Channel>& channels_;
  std::unordered_map<std::string, std::int32_t> by_key_;
};

}  // namespace fissure::detail
