// What the tracer knows about one fd of one process.
#pragma once

#include <cstdint>
#include <string>

#include "fissure/tracer/trace.hpp"

namespace fissure::detail {

// Resolved lazily from /proc on the first syscall that needs it, and forgotten whenever the
// fd may have changed meaning (close, dup2/dup3 onto it, exec). dup and F_DUPFD only take
// free slots, which are never cached.
struct FdInfo {
  enum class Kind : std::uint8_t { Ignored, Socket, Pipe, File } kind = Kind::Ignored;
  ChannelKind ckind = ChannelKind::Tcp;
  std::int32_t channel = -1;  // streams, pipes, files, connected unix dgram
  bool a_side = true;         // this fd is the channel's side a
  std::uint64_t inode = 0;
  std::string local, remote;  // datagram sockets: endpoints, to name per-peer channels
  std::string path;           // unix sockets: the bound path, if any

  bool dgram() const {
    return kind == Kind::Socket && (ckind == ChannelKind::Udp || ckind == ChannelKind::UnixDgram);
  }
  bool carries_data() const {
    return kind == Kind::Pipe || kind == Kind::File ||
           (kind == Kind::Socket && (channel >= 0 || dgram()));
  }
  EventDir send_dir() const { return a_side ? EventDir::AtoB : EventDir::BtoA; }
  EventDir recv_dir() const { return a_side ? EventDir::BtoA : EventDir::AtoB; }
};

}  // namespace fissure::detail
