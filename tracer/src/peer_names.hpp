// Names for what a call reaches, the same in every run: nodes by name (not ports or pids),
// files relative to ${RUN_DIR} with digit runs as "#", peers outside the run with their
// ephemeral ports as "*"; and the injection points made of them (node, op, peer, k).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "fd_info.hpp"
#include "fissure/tracer/faults.hpp"
#include "fissure/tracer/spec.hpp"
#include "fissure/tracer/trace.hpp"
#include "tcp_counters.hpp"

namespace fissure::detail {

// The port of "host:port", 0 when there is none.
std::uint16_t port_of(const std::string& endpoint);
// Temporary files carry pids and timestamps in their names ("temp-1795495906.15285.rdb"):
// long digit runs become "#" so a point names the same file in every run.
std::string stable_file_name(std::string_view label);

class PeerNames {
 public:
  PeerNames(const Spec& spec, TcpCounters& diag, const std::vector<Channel>& channels,
            std::filesystem::path run_dir)
      : spec_(spec), diag_(diag), channels_(channels), run_dir_(std::move(run_dir)) {}

  // The node behind an inet endpoint, by name; outside the run, the endpoint itself with an
  // ephemeral port written as "*", so the name stays the same from run to run.
  std::string endpoint_name(const std::string& endpoint, const std::string& local);
  // Whom a call of `node` on `fdi` reaches; `call_peer` is the address in the call, if any.
  std::string peer_of(std::uint32_t node, const std::string& call_peer, OpClass op,
                      const FdInfo& fdi);
  // The next point of this node, op and peer: its k counts from 1.
  InjectionPoint point(std::uint32_t node, OpClass op, std::string peer);
  // A path inside the run directory as ${RUN_DIR}/...
  std::string file_label(const std::string& path) const;

  // Who is where, learnt by the session as calls return: processes, connector and UDP
  // endpoints, TCP listening ports and unix socket inodes, each to its node.
  std::unordered_map<pid_t, std::uint32_t> tgid_node;
  std::unordered_map<std::string, std::int32_t> endpoint_node;
  std::unordered_map<std::uint16_t, std::int32_t> listen_port_node;
  std::unordered_map<std::uint64_t, std::int32_t> unix_inode_node;

 private:
  const Spec& spec_;
  TcpCounters& diag_;
  const std::vector<Channel>& channels_;
  std::filesystem::path run_dir_;
  std::unordered_map<std::string, std::string> outside_endpoints_;  // peers outside the run
  std::map<std::tuple<std::uint32_t, OpClass, std::string>, std::uint32_t> point_counts_;
};

}  // namespace fissure::detail
