// What a traced process's fd is, learnt when a call first needs it: a socket (inet from a
// copy of the fd, unix from sock_diag), a pipe or a file, with the channel it is a side of.
// The answer is kept in the process's FdTable until the fd may have changed meaning.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <unordered_set>

#include "channel_registry.hpp"
#include "fd_info.hpp"
#include "fd_table.hpp"
#include "fd_tables.hpp"
#include "peer_names.hpp"
#include "socket_table.hpp"
#include "sockets.hpp"
#include "tcp_settlement.hpp"
#include "tracee_fds.hpp"

namespace fissure::detail {

class FdResolver {
 public:
  // What the tracer may assume about a socket it has not seen connect or accept.
  struct Hint {
    enum class Role { Unknown, Connector, Acceptor } role = Role::Unknown;
    std::string remote;  // connect's address: a non-blocking connect has no peer name yet
  };

  // `track_tcp`: TCP sockets' data calls may run without exit stops (RunOptions::
  // exact_results off), settled by `tcp` from the counters read when a socket is first seen.
  FdResolver(FdTables& tables, TraceeFds& tracee_fds, ChannelRegistry& channels, PeerNames& names,
             TcpSettlement& tcp, TraceStats& stats, bool track_tcp)
      : tables_(tables),
        tracee_fds_(tracee_fds),
        channels_(channels),
        names_(names),
        tcp_(tcp),
        stats_(stats),
        track_tcp_(track_tcp) {}

  FdTable& table(pid_t tgid) { return tables_.of(tgid); }
  FdInfo& info(pid_t tgid, int fd) { return info(tgid, fd, Hint()); }
  FdInfo& info(pid_t tgid, int fd, const Hint& hint);
  // The fd's meaning may change (close, connect, a first send that binds): learn it again
  // at its next use.
  void forget(pid_t tgid, int fd);
  // The run's own logs (a node's stdout and stderr) are no files of the system under test.
  void own_file(std::uint64_t inode) { own_files_.insert(inode); }

 private:
  FdInfo resolve(pid_t tgid, int fd, const Hint& hint);
  bool describe_inet(pid_t tgid, int fd, FdInfo& out, const Hint& hint);
  void track_tcp(const FdInfo& fdi, int copy);

  FdTables& tables_;
  TraceeFds& tracee_fds_;
  ChannelRegistry& channels_;
  PeerNames& names_;
  TcpSettlement& tcp_;
  TraceStats& stats_;
  bool track_tcp_;
  SocketTable sockets_;                          // unix sockets
  std::unordered_set<std::uint64_t> own_files_;  // inodes of the run's .out/.err logs
};

}  // namespace fissure::detail
