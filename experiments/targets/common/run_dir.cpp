#include "run_dir.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace suite {

void die(std::string_view what) {
  std::fprintf(stderr, "%s: %.*s: %s\n", program_invocation_short_name,
               static_cast<int>(what.size()), what.data(), std::strerror(errno));
  std::exit(2);
}

const std::string& run_dir() {
  static const std::string dir = [] {
    const char* d = std::getenv("RUN_DIR");
    if (!d || !*d) {
      errno = EINVAL;
      die("RUN_DIR is not set (run me from a fissure spec)");
    }
    return std::string(d);
  }();
  return dir;
}

namespace {
std::string path(const std::string& file) {
  return run_dir() + "/" + file;
}
}  // namespace

void sleep_ms(int ms) {
  timespec ts{ms / 1000, (ms % 1000) * 1'000'000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

void pull_trigger() {
  int fd = open(path("go").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) die("create " + path("go"));
  close(fd);
}

void wait_for_trigger() {
  // stat is not traced: polling costs the run no events.
  struct stat st;
  while (stat(path("go").c_str(), &st) != 0) sleep_ms(2);
}

void record(const std::string& file, std::string_view text) {
  int fd = open(path(file).c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) die("open " + path(file));
  if (write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size()))
    die("write " + path(file));
  close(fd);
}

std::optional<std::string> read_file(const std::string& file) {
  std::ifstream f(path(file));
  if (!f) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(f), {});
}

bool exists(const std::string& file) {
  struct stat st;
  return stat(path(file).c_str(), &st) == 0;
}

namespace {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream f(p);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

}  // namespace

bool alive(std::string_view name) {
  const std::string args =
      std::string("--role") + '\0' + "node" + '\0' + "--id" + '\0' + std::string(name) + '\0';
  const std::string env = "RUN_DIR=" + run_dir() + '\0';
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string pid = entry.path().filename();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    if (slurp(entry.path() / "cmdline").find(args) == std::string::npos) continue;
    if (('\0' + slurp(entry.path() / "environ")).find('\0' + env) == std::string::npos) continue;
    std::string stat = slurp(entry.path() / "stat");
    auto close_paren = stat.rfind(')');
    if (close_paren == std::string::npos || close_paren + 2 >= stat.size()) continue;
    char state = stat[close_paren + 2];
    if (state != 'Z' && state != 'X') return true;
  }
  return false;
}

}  // namespace suite
