#include "run_dir.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

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

namespace {

// read(2), not an ifstream: a process that dies while its /proc files are read makes read
// fail with ESRCH, which libstdc++'s stream buffers throw as an exception.
std::string slurp(const std::string& p) {
  std::string out;
  int fd = open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  close(fd);
  return out;
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

void end_time() {
  int fd = open(path("eot").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) die("create " + path("eot"));
  close(fd);
}

bool time_ended() {
  return exists("eot");
}

void record(const std::string& file, std::string_view text) {
  int fd = open(path(file).c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) die("open " + path(file));
  if (write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size()))
    die("write " + path(file));
  close(fd);
}

std::optional<std::string> read_file(const std::string& file) {
  if (!exists(file)) return std::nullopt;
  return slurp(path(file));
}

bool exists(const std::string& file) {
  struct stat st;
  return stat(path(file).c_str(), &st) == 0;
}

bool alive(std::string_view name) {
  const std::string args =
      std::string("--role") + '\0' + "node" + '\0' + "--id" + '\0' + std::string(name) + '\0';
  const std::string env = "RUN_DIR=" + run_dir() + '\0';
  // opendir, not directory_iterator: its increment throws when an entry vanishes.
  DIR* proc = opendir("/proc");
  if (!proc) die("opendir /proc");
  bool found = false;
  while (dirent* d = readdir(proc)) {
    const std::string pid = d->d_name;
    if (found || pid.find_first_not_of("0123456789") != std::string::npos) continue;
    const std::string dir = "/proc/" + pid + "/";
    if (slurp(dir + "cmdline").find(args) == std::string::npos) continue;
    if (('\0' + slurp(dir + "environ")).find('\0' + env) == std::string::npos) continue;
    std::string stat = slurp(dir + "stat");
    auto close_paren = stat.rfind(')');
    if (close_paren == std::string::npos || close_paren + 2 >= stat.size()) continue;
    char state = stat[close_paren + 2];
    found = state != 'Z' && state != 'X';
  }
  closedir(proc);
  return found;
}

}  // namespace suite
