// Starting one process of a run (a node, traced or not, or the oracle) in a process group
// of its own, pinned, with its output in the run's logs.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace fissure::detail {

// Resolves cmd[0] the way the spec promises: "./x" and "../x" against the spec's folder,
// absolute paths as they are, bare names on PATH. Empty when not found.
std::string resolve_program(const std::string& prog, const std::filesystem::path& spec_dir);

class Launcher {
 public:
  // cpu: the CPU the process runs on (-1: the caller's affinity).
  Launcher(std::filesystem::path spec_dir, int cpu) : spec_dir_(std::move(spec_dir)), cpu_(cpu) {}

  struct Started {
    pid_t pid = 0;
    std::vector<std::uint64_t> log_inodes;  // its stdout and stderr files: no channels
  };
  // A traced process is returned running, seized with the tracer's options; its seccomp
  // filter and exec follow. `append` keeps what the logs held (a restart).
  Started start(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                const std::string& cwd, const std::filesystem::path& out,
                const std::filesystem::path& err, bool traced, bool append) const;

 private:
  std::filesystem::path spec_dir_;
  int cpu_;
};

}  // namespace fissure::detail
