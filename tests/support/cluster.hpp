// Helpers for tests that run real clusters: a scratch folder, a spec written on the fly,
// and small queries over the resulting trace.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "fissure/tracer/tracer.hpp"

namespace fissure::testing {

class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path write(const std::string& name, const std::string& text) const;

 private:
  std::filesystem::path path_;
};

std::string prog(const std::string& name);  // absolute path of a test program
std::uint16_t free_port();                  // a TCP/UDP port nobody listens on now

// ["a", "b"] in TOML.
std::string toml_array(const std::vector<std::string>& items);
// A spec named NAME with a "server" node (started first, ready when READY holds) and a
// "client" workload node that must exit 0.
std::string server_client_spec(const std::string& name, const std::vector<std::string>& server,
                               const std::string& ready, const std::vector<std::string>& client);

// tcp_server and tcp_client on `port`, as "server" and "client".
std::string tcp_pair_spec(std::uint16_t port);
// The same, but the client's shell exits (with tcp_client's code) only once the server has said
// on its stderr why it stopped, for plans that make the client give up first. A run ends with
// its workload, and the server's reads of what the client had sent then race the teardown: on
// a loaded machine the teardown came first in 15 of 40 runs of Faults.DropOnAStreamBreaksBothEnds
// (server.err empty), 18 of 75 of Faults.ErrorOnTheKthSendLeavesKMinusOneDelivered (the server
// had read nothing) and 2 of 2 of Cli.RunPrintsFiredAndUnreachedFaultsAndReplayReproduces (a
// replay's pattern lacked the server's reads).
std::string tcp_pair_until_the_server_complains(std::uint16_t port);
// udp_server and udp_client on `port`; the client starts once the server is bound (it says so
// in a file), since a datagram sent before is lost.
std::string udp_pair_spec(std::uint16_t port, const std::string& timeout, bool check_exit);

// Writes SPEC_TEXT as target.toml in a scratch dir and runs it traced.
RunResult run_spec(const ScratchDir& dir, const std::string& spec_text, bool exact_results = false);

bool process_exists(pid_t pid);

// The file's whole text; empty when it cannot be read (a test then fails on what it lacks).
std::string slurp(const std::filesystem::path& p);

// The run records of a campaign's journal.jsonl that its last complete state record committed,
// read as text (not through the explorer): one line each, in order.
std::vector<std::string> committed_runs(const std::filesystem::path& campaign);

struct CommandResult {
  int exit_code;       // -1 when the command did not exit by itself
  std::string output;  // stdout and stderr
};
// Runs a shell command line, with its standard error joined to its output.
CommandResult run_fissure_as(const std::string& command_line);
// Runs the fissure binary under test with these arguments.
CommandResult run_fissure(const std::string& args);

// Queries.
std::vector<const Event*> events(const Trace& t, const std::string& node, Sys sys);
std::vector<const Event*> events_on(const Trace& t, std::int32_t channel, Sys sys);
std::vector<std::uint64_t> sources(const Trace& t, const Event& e, EdgeKind kind);
std::vector<const Channel*> channels(const Trace& t, ChannelKind kind);
// Ids of the `sends` whose byte ranges overlap [offset, offset + moved) of `recv`: the
// expected message edges, computed independently of the tracer's own matching.
std::vector<std::uint64_t> overlapping(const std::vector<const Event*>& sends, const Event& recv);

}  // namespace fissure::testing
