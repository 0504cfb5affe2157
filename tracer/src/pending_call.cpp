#include "pending_call.hpp"

#include <fmt/format.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <vector>

#include "fissure/tracer/trace.hpp"
#include "sockets.hpp"

namespace fissure::detail {

std::int64_t PendingCall::bytes_asked(pid_t tid) const {
  const auto& a = args;
  auto iov_sum = [&](std::uint64_t iov_addr, std::uint64_t count) {
    std::int64_t sum = 0;
    std::vector<iovec> iov(std::min<std::uint64_t>(count, 1024));
    if (read_memory(tid, iov_addr, iov.data(), iov.size() * sizeof(iovec)))
      for (const auto& v : iov) sum += static_cast<std::int64_t>(v.iov_len);
    return sum;
  };
  switch (info->shape) {
    case BufShape::Plain:
      return static_cast<std::int64_t>(a[2]);
    case BufShape::Iov:
      return iov_sum(a[1], a[2]);
    case BufShape::Msg: {
      msghdr m{};
      if (!read_memory(tid, a[1], &m, sizeof m)) return 0;
      return iov_sum(reinterpret_cast<std::uint64_t>(m.msg_iov), m.msg_iovlen);
    }
    case BufShape::MMsg:
    case BufShape::None:
      return 0;
  }
  return 0;
}

std::string PendingCall::bytes_head(pid_t tid) const {
  const auto& a = args;
  std::uint64_t addr = 0, len = 0;
  auto first_iov = [&](std::uint64_t iov_addr, std::uint64_t count) {
    std::array<iovec, 4> iov{};
    count = std::min<std::uint64_t>(count, iov.size());
    if (!read_memory(tid, iov_addr, iov.data(), count * sizeof(iovec))) return;
    for (std::uint64_t i = 0; i < count; ++i)
      if (iov[i].iov_len) {
        addr = reinterpret_cast<std::uint64_t>(iov[i].iov_base), len = iov[i].iov_len;
        return;
      }
  };
  switch (info->shape) {
    case BufShape::Plain:
      addr = a[1], len = a[2];
      break;
    case BufShape::Iov:
      first_iov(a[1], a[2]);
      break;
    case BufShape::Msg: {
      msghdr m{};
      if (read_memory(tid, a[1], &m, sizeof m))
        first_iov(reinterpret_cast<std::uint64_t>(m.msg_iov), m.msg_iovlen);
      break;
    }
    case BufShape::MMsg:
    case BufShape::None:
      break;
  }
  std::string out(std::min<std::uint64_t>(len, kEventHeadBytes), '\0');
  if (out.empty() || !read_memory(tid, addr, out.data(), out.size())) return "";
  return out;
}

std::string PendingCall::peer_arg(pid_t tid) const {
  const auto& a = args;
  switch (info->peer) {
    case PeerArg::None:
    case PeerArg::MMsgName1:  // one address per message: see the mmsg records
      return {};
    case PeerArg::Addr1Len2:
      return read_sockaddr(tid, a[1], a[2]);
    case PeerArg::Addr4Len5:
      return read_sockaddr(tid, a[4], a[5]);
    case PeerArg::Addr4LenAt5: {
      socklen_t len = 0;
      if (!a[4] || !a[5] || !read_memory(tid, a[5], &len, sizeof len)) return {};
      return read_sockaddr(tid, a[4], len);
    }
    case PeerArg::MsgName1: {
      msghdr m{};
      if (!read_memory(tid, a[1], &m, sizeof m)) return {};
      return read_sockaddr(tid, reinterpret_cast<std::uint64_t>(m.msg_name), m.msg_namelen);
    }
    case PeerArg::FdPairAt0:
    case PeerArg::FdPairAt3: {
      auto pair = fd_pair(tid);
      return pair ? fmt::format("{},{}", (*pair)[0], (*pair)[1]) : "";
    }
    case PeerArg::Path0:
      return read_string(tid, a[0]);
    case PeerArg::Path1:
      return read_string(tid, a[1]);
  }
  return {};
}

std::optional<std::array<int, 2>> PendingCall::fd_pair(pid_t tid) const {
  std::uint64_t addr = 0;
  if (info->peer == PeerArg::FdPairAt0) addr = args[0];
  if (info->peer == PeerArg::FdPairAt3) addr = args[3];
  std::array<int, 2> pair{};
  if (!addr || !read_memory(tid, addr, pair.data(), sizeof pair)) return std::nullopt;
  return pair;
}

}  // namespace fissure::detail
