// The target spec (`target.toml`): the nodes of a cluster, how to tell each is ready, and
// the oracle that judges a run. A user-facing contract: see README.md.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "fissure/tracer/faults.hpp"

namespace fissure {

// A spec the user must fix. what() reads "FILE:LINE: FIELD: problem".
class SpecError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// "10s", "200ms", "1.5s", "2m", "8h", "500us". Throws std::invalid_argument.
std::chrono::microseconds parse_duration(std::string_view text);

struct ReadyCheck {
  enum class Kind { Immediate, Tcp, File, Delay };
  Kind kind = Kind::Immediate;
  std::uint16_t port = 0;
  std::string path;  // may hold ${RUN_DIR}
  std::chrono::microseconds delay{0};
};

struct NodeSpec {
  std::string name;
  std::vector<std::string> cmd;  // argv; cmd[0] resolved against the spec dir if relative
  ReadyCheck ready;
  std::map<std::string, std::string> env;
  std::string cwd;        // empty: the run directory
  bool workload = false;  // role = "workload"
  bool traced = true;     // traced = false runs the node untraced (load generators)
};

struct OracleSpec {
  std::optional<int> workload_exit;
  std::vector<std::string> cmd;
  // Files whose last write shows the good outcome too (a node's log, a client's receipt),
  // named as `fissure points` names them: "${RUN_DIR}/out.txt".
  std::vector<std::string> outcome_files;
  // Files each replica writes its copy of the outcome to (a leader's log, its followers'):
  // together one outcome, which stands while some replica that wrote its copy is still up.
  // Molly's persistence: a node's state is gone with the node, so a crash of a replica after
  // its write takes that copy, and the search cuts every copy at once.
  std::vector<std::string> replica_files;
  // `checker = "linearizable-register"`: the run is also judged by the history its workload
  // wrote (the explorer applies it after the run; the tracer knows nothing of it). Empty: none.
  std::string checker;
  std::string history = "${RUN_DIR}/history.jsonl";  // may hold ${RUN_DIR}, ${SPEC_DIR}
};

// The names `[oracle] checker` accepts: "linearizable-register".
bool is_checker_name(std::string_view name);

// [faults]: the space strategies may draw plans from.
struct FaultSpace {
  std::vector<FaultKind> kinds;    // default: every kind
  std::uint32_t max = 1;           // faults per plan
  std::vector<std::string> nodes;  // which nodes may be faulted; default: all (workload too)
  std::vector<int> errnos;         // for error faults; default ECONNRESET, EPIPE, ETIMEDOUT
  std::vector<std::chrono::milliseconds> delays;  // for delay faults; default 100ms, 1s
  // How long a partition lasts before it heals; default: never (one entry, 0). A partition
  // that heals is what lets a cut-off primary come back and find it was replaced.
  std::vector<std::chrono::milliseconds> heals{std::chrono::milliseconds(0)};
};

// The strategies `[explore] strategy` and `--strategy` accept, and the one used when neither
// names one. Kept with the spec so that it can refuse a wrong name with its line.
inline constexpr const char* kDefaultStrategy = "hybrid";
bool is_strategy_name(std::string_view name);
std::string strategy_names();  // "hybrid, ldfi, coverage, random, exhaustive"

// [explore]: campaign defaults; the command line's flags win.
struct ExploreDefaults {
  std::optional<std::string> strategy;
  std::optional<std::uint64_t> runs;
  std::optional<std::chrono::microseconds> time;
  std::optional<unsigned> jobs;
  std::optional<std::uint64_t> seed;
};

struct Spec {
  std::filesystem::path file;
  std::filesystem::path dir;
  std::string name;
  std::chrono::microseconds timeout{std::chrono::seconds(10)};
  std::vector<NodeSpec> nodes;
  OracleSpec oracle;
  FaultSpace faults;
  ExploreDefaults explore;

  std::optional<std::size_t> node_index(std::string_view name) const;
};

Spec load_spec(const std::filesystem::path& file);
Spec parse_spec(std::string_view text, const std::filesystem::path& file);

// Replaces ${RUN_DIR} and ${SPEC_DIR} in one argument.
std::string expand_vars(std::string_view arg, const std::filesystem::path& run_dir,
                        const std::filesystem::path& spec_dir);

}  // namespace fissure
