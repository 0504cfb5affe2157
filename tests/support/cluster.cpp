#include "cluster.hpp"

#include <fmt/format.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>

namespace fissure::testing {

ScratchDir::ScratchDir() {
  std::random_device rd;
  path_ =
      std::filesystem::temp_directory_path() / fmt::format("fissure-test-{}-{:x}", getpid(), rd());
  std::filesystem::create_directories(path_);
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::filesystem::path ScratchDir::write(const std::string& name, const std::string& text) const {
  auto p = path_ / name;
  std::ofstream(p) << text;
  return p;
}

std::string prog(const std::string& name) {
  return std::string(FISSURE_PROGS_DIR) + "/" + name;
}

std::uint16_t free_port() {
  // Bind to port 0 for TCP and check UDP too; the kernel hands out a free ephemeral port.
  for (int attempt = 0; attempt < 50; ++attempt) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
    getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
    close(s);
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    bool udp_free = bind(u, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    close(u);
    if (udp_free) return ntohs(a.sin_port);
  }
  return 0;
}

std::string toml_array(const std::vector<std::string>& items) {
  std::string out = "[";
  for (const auto& i : items) out += fmt::format("{}\"{}\"", out.size() > 1 ? ", " : "", i);
  return out + "]";
}

std::string server_client_spec(const std::string& name, const std::vector<std::string>& server,
                               const std::string& ready, const std::vector<std::string>& client) {
  return fmt::format(R"(name = "{}"
timeout = "20s"
[[node]]
name = "server"
cmd = {}
ready = "{}"
[[node]]
name = "client"
role = "workload"
cmd = {}
[oracle]
workload_exit = 0
)",
                     name, toml_array(server), ready, toml_array(client));
}

std::string tcp_pair_spec(std::uint16_t port) {
  return server_client_spec("pair", {prog("tcp_server"), std::to_string(port)},
                            fmt::format("tcp:{}", port),
                            {prog("tcp_client"), std::to_string(port)});
}

std::string tcp_pair_until_the_server_complains(std::uint16_t port) {
  std::string client =
      fmt::format("{} {}; rc=$?; until [ -s server.err ]; do sleep 0.01; done; exit $rc",
                  prog("tcp_client"), port);
  return server_client_spec("pair", {prog("tcp_server"), std::to_string(port)},
                            fmt::format("tcp:{}", port), {"sh", "-c", client});
}

std::string udp_pair_spec(std::uint16_t port, const std::string& timeout, bool check_exit) {
  return fmt::format(
      R"(name = "udp"
timeout = "{}"
[[node]]
name = "server"
cmd = {}
ready = "file:udp_server.ready"
[[node]]
name = "client"
role = "workload"
cmd = {}
{})",
      timeout,
      toml_array({prog("udp_server"), std::to_string(port), "${RUN_DIR}/udp_server.ready"}),
      toml_array({prog("udp_client"), std::to_string(port)}),
      check_exit ? "[oracle]\nworkload_exit = 0\n" : "");
}

RunResult run_spec(const ScratchDir& dir, const std::string& spec_text, bool exact_results) {
  auto file = dir.write("target.toml", spec_text);
  Spec spec = load_spec(file);
  return run_traced(
      spec, {.run_dir = dir.path() / "run", .cpu = 0, .exact_results = exact_results, .plan = {}});
}

// A zombie is dead: it only waits for init to reap it once its parent is gone.
std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::string> committed_runs(const std::filesystem::path& campaign) {
  std::istringstream in(slurp(campaign / "journal.jsonl"));
  std::vector<std::string> runs, committed;
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // no newline: a torn record
    if (line.starts_with("{\"run\"")) runs.push_back(line);
    if (line.starts_with("{\"state\"")) committed = runs;
  }
  return committed;
}

bool process_exists(pid_t pid) {
  std::ifstream stat(fmt::format("/proc/{}/stat", pid));
  std::string line;
  if (!std::getline(stat, line)) return false;
  auto close = line.rfind(')');
  char state = close != std::string::npos && close + 2 < line.size() ? line[close + 2] : '?';
  return state != 'Z' && state != 'X';
}

std::vector<const Event*> events(const Trace& t, const std::string& node, Sys sys) {
  auto idx = t.node_index(node);
  std::vector<const Event*> out;
  for (const auto& e : t.events)
    if (idx && e.node == *idx && e.sys == sys) out.push_back(&e);
  return out;
}

std::vector<const Event*> events_on(const Trace& t, std::int32_t channel, Sys sys) {
  std::vector<const Event*> out;
  for (const auto& e : t.events)
    if (e.channel == channel && e.sys == sys) out.push_back(&e);
  return out;
}

std::vector<std::uint64_t> sources(const Trace& t, const Event& e, EdgeKind kind) {
  std::vector<std::uint64_t> out;
  for (const auto& edge : t.edges)
    if (edge.to == e.id && edge.kind == kind) out.push_back(edge.from);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<const Channel*> channels(const Trace& t, ChannelKind kind) {
  std::vector<const Channel*> out;
  for (const auto& c : t.channels)
    if (c.kind == kind) out.push_back(&c);
  return out;
}

std::vector<std::uint64_t> overlapping(const std::vector<const Event*>& sends, const Event& recv) {
  std::vector<std::uint64_t> out;
  std::uint64_t lo = recv.offset, hi = recv.offset + static_cast<std::uint64_t>(recv.moved);
  for (const Event* s : sends) {
    std::uint64_t slo = s->offset, shi = s->offset + static_cast<std::uint64_t>(s->moved);
    if (s->moved > 0 && slo < hi && lo < shi) out.push_back(s->id);
  }
  std::sort(out.begin(), out.end());
  return out;
}

CommandResult run_fissure_as(const std::string& command_line) {
  std::string cmd = command_line + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  while (std::size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

CommandResult run_fissure(const std::string& args) {
  return run_fissure_as(fmt::format("{} {}", FISSURE_BINARY, args));
}

}  // namespace fissure::testing
