// One protocol node of a suite target: its UDP sockets, one per peer, on fixed
// ports of 127.0.0.1 (each run has a network namespace of its own), and a TCP
// port that only says it is ready.
//
// A socket per peer, connected to that peer, so that the tracer names the peer
// of every send and receive after a node ("b recv a 1"); one message is one
// datagram, and a drop at its send is a lost message. A node may instead use
// one unconnected socket for all its peers ("shared"), so that one sendmmsg
// reaches them all at once: Molly's synchronous rounds send a multicast in one
// step, and a crash cannot fall between its copies.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace suite {

using Clock = std::chrono::steady_clock;

struct Message {
  std::string from;  // a node name
  std::string text;
};

class Node {
 public:
  // `names`: the target's nodes in the spec's order (ports follow it), the
  // workload last and only if it talks to them. `peers`: the nodes this one
  // talks to (default: all); a socket and a connect only for them.
  Node(std::vector<std::string> names, std::string me, std::set<std::string> shared = {},
       std::set<std::string> peers = {});
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  const std::string& name() const { return names_[me_]; }
  // The TCP port a spec's `ready = "tcp:PORT"` names for node `i` (0-based,
  // spec order).
  static std::uint16_t ready_port(std::size_t i) { return static_cast<std::uint16_t>(7500 + i); }

  // Binds every socket, then listens on the readiness port (the workload has
  // none: it starts last).
  void open(bool readiness_port = true);
  // Connects each socket to its peer's. Done once every node has bound its
  // sockets (after the run's trigger file exists), so that the tracer can name
  // the peer of each connect.
  void connect_peers();

  void send(const std::string& peer, std::string_view text);
  // One sendmmsg to several peers; only from a shared socket.
  void multicast(const std::vector<std::string>& peers, std::string_view text);
  // The next message, or nothing once `until` has passed.
  std::optional<Message> receive(Clock::time_point until);

 private:
  std::size_t index_of(const std::string& n) const;
  std::uint16_t port(std::size_t i,
                     std::size_t j) const;  // i's socket for peer j
  bool is_shared(std::size_t i) const { return shared_.contains(names_[i]); }
  bool talks_to(std::size_t j) const {
    return j != me_ && (peers_.empty() || peers_.contains(names_[j]));
  }

  std::vector<std::string> names_;
  std::size_t me_;
  std::set<std::string> shared_;
  std::set<std::string> peers_;
  std::vector<int> socks_;  // by peer index; all the same fd when this node is shared
  int ready_fd_ = -1;
};

}  // namespace suite
