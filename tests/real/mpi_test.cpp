// fissure explore --mpi on this machine: mpirun starts a coordinator and two workers, each
// making one run at a time, on a bundled target of the LDFI suite (simple-deliv).
#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cluster.hpp"

namespace fissure::testing {
namespace {

namespace fs = std::filesystem;

fs::path spec_of(const std::string& target) {
  return fs::path(FISSURE_SUITE_DIR) / target / "target.toml";
}

bool have_mpirun() { return std::system("command -v mpirun > /dev/null 2>&1") == 0; }

std::string mpirun(int ranks) {
  return fmt::format("mpirun --allow-run-as-root --oversubscribe -np {} {}", ranks,
                     FISSURE_BINARY);
}

// Every match of `re`'s first group in `text`.
std::vector<std::string> all(const std::string& text, const std::string& re) {
  std::vector<std::string> out;
  std::regex r(re);
  for (auto it = std::sregex_iterator(text.begin(), text.end(), r); it != std::sregex_iterator();
       ++it)
    out.push_back((*it)[1]);
  return out;
}

std::set<std::string> symptoms(const fs::path& campaign) {
  auto v = all(slurp(campaign / "summary.json"), "\"symptom\": \"([^\"]*)\"");
  return {v.begin(), v.end()};
}

// The journal's run numbers, in order.
std::vector<int> journal(const fs::path& campaign) {
  std::vector<int> out;
  for (const auto& run : committed_runs(campaign))
    for (const auto& i : all(run, "\"index\": ([0-9]+),")) out.push_back(std::stoi(i));
  return out;
}

std::vector<int> up_to(int n) {
  std::vector<int> v;
  for (int i = 0; i < n; ++i) v.push_back(i);
  return v;
}

// Processes whose command line names `words`, as process_running in cli_test.
bool process_running(const std::string& words) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const std::string pid = entry.path().filename();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string line = slurp(entry.path() / "cmdline");
    std::replace(line.begin(), line.end(), '\0', ' ');
    if (line.find(words) != std::string::npos) return true;
  }
  return false;
}

// The pid of the rank `rank` among the children of `parent` (Open MPI tells each its rank in
// OMPI_COMM_WORLD_RANK).
pid_t rank_pid(pid_t parent, int rank) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const std::string pid = entry.path().filename();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string stat = slurp(entry.path() / "stat");
    auto close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(stat.substr(close + 2));
    char state;
    pid_t ppid = 0;
    rest >> state >> ppid;
    if (ppid != parent) continue;
    std::string env = slurp(entry.path() / "environ");
    if (env.find(fmt::format("OMPI_COMM_WORLD_RANK={}", rank) + '\0') != std::string::npos)
      return static_cast<pid_t>(std::stoi(pid));
  }
  return 0;
}

TEST(Mpi, CampaignOverTwoWorkersMatchesALocalOne) {
  if (!have_mpirun()) GTEST_SKIP() << "no mpirun (Debian: openmpi-bin)";
  ScratchDir dir;
  const auto spec = spec_of("simple-deliv");
  const std::string flags = "--strategy exhaustive --runs 16 --jobs 1 --replays 2";
  auto local = dir.path() / "local";
  auto cluster = dir.path() / "mpi";
  CommandResult l =
      run_fissure(fmt::format("explore {} {} -o {}", spec.string(), flags, local.string()));
  ASSERT_EQ(l.exit_code, 1) << "simple-deliv has a bug\n" << l.output;
  CommandResult m = run_fissure_as(fmt::format("{} explore {} --mpi {} --worker-dir {} -o {}",
                                               mpirun(3), spec.string(), flags,
                                               (dir.path() / "workers").string(), cluster.string()));
  ASSERT_EQ(m.exit_code, 1) << m.output;
  EXPECT_NE(m.output.find("2 workers, 2 runs at once"), std::string::npos) << m.output;
  // The same runs, bugs and report, in kind.
  EXPECT_EQ(journal(cluster), up_to(16));
  EXPECT_EQ(journal(local), up_to(16));
  EXPECT_NE(slurp(cluster / "summary.json").find("\"runs\": 16"), std::string::npos);
  EXPECT_FALSE(symptoms(local).empty());
  EXPECT_EQ(symptoms(cluster), symptoms(local));
  // Not how far each bug's minimization and replays got: the coordinator proposes a batch
  // while the last runs, so the budget is spent in another order than a local campaign's.
  EXPECT_TRUE(fs::exists(cluster / "report.html"));
  EXPECT_TRUE(fs::exists(cluster / "report.md"));
  // Each run's record and observation came back to the coordinator's directory; the bugs'
  // traces too, and nothing else of the runs that showed nothing new.
  std::string host = slurp("/proc/sys/kernel/hostname");
  host.erase(host.find_last_not_of("\n") + 1);
  for (int i = 0; i < 16; ++i) {
    auto run = cluster / "runs" / fmt::format("{:05}", i);
    for (const char* f : {"plan.json", "run.json", "observation.bin", "worker.txt"})
      EXPECT_TRUE(fs::exists(run / f)) << run << " " << f;
    EXPECT_EQ(slurp(run / "worker.txt").rfind(host + ":", 0), 0u) << slurp(run / "worker.txt");
  }
  for (const auto& first : all(slurp(cluster / "summary.json"), "\"first_run\": \"([^\"]*)\"")) {
    EXPECT_TRUE(fs::exists(fs::path(first) / "trace.bin")) << first;
    EXPECT_TRUE(fs::exists(fs::path(first) / "a.out")) << "the nodes' output came with it";
  }
  EXPECT_TRUE(fs::exists(cluster / "runs" / "00000" / "trace.bin")) << "the fault-free reference";
  // The workers kept their runs on their disk, under a folder that names the host.
  auto kept = dir.path() / "workers" / ("fissure-" + host) / "mpi" / "runs";
  EXPECT_TRUE(fs::exists(kept / "00005" / "run.json")) << kept;
}

TEST(Mpi, AKilledWorkerTakesTheJobDownAndTheCampaignResumesOnOtherRanks) {
  if (!have_mpirun()) GTEST_SKIP() << "no mpirun (Debian: openmpi-bin)";
  ScratchDir dir;
  const auto spec = spec_of("simple-deliv");
  auto out = dir.path() / "c";
  const int budget = 30;
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    dup2(null, 2);
    setpgid(0, 0);
    execlp("mpirun", "mpirun", "--allow-run-as-root", "--oversubscribe", "-np", "3",
           FISSURE_BINARY, "explore", spec.c_str(), "--mpi", "--strategy", "random", "--seed",
           "4", "--runs", std::to_string(budget).c_str(), "--jobs", "1", "--replays", "1",
           "--worker-dir", (dir.path() / "w").c_str(), "-o", out.c_str(),
           static_cast<char*>(nullptr));
    _exit(127);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  while (journal(out).size() < 8 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  pid_t worker = rank_pid(pid, 2);
  ASSERT_GT(worker, 0) << "rank 2 under mpirun " << pid;
  kill(worker, SIGKILL);
  int status = 0;
  auto waited = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (waitpid(pid, &status, WNOHANG) == 0 && std::chrono::steady_clock::now() < waited)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_TRUE(WIFEXITED(status) || WIFSIGNALED(status)) << "mpirun ended with its worker";
  EXPECT_FALSE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the job failed";
  const std::size_t before = journal(out).size();
  ASSERT_GE(before, 8u);
  ASSERT_LT(before, static_cast<std::size_t>(budget)) << "killed in the middle";
  // Nothing of the killed job is left: no rank, no run's node.
  auto gone = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  auto left = [&] {
    return process_running(out.string()) || process_running("simple_deliv --role");
  };
  while (left() && std::chrono::steady_clock::now() < gone)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(process_running(out.string())) << "a rank of the killed job is left";
  EXPECT_FALSE(process_running("simple_deliv --role")) << "a node of a run is left";

  CommandResult resumed = run_fissure_as(fmt::format("{} explore --resume {} --mpi --worker-dir {}",
                                                     mpirun(2), out.string(),
                                                     (dir.path() / "w").string()));
  EXPECT_TRUE(resumed.exit_code == 0 || resumed.exit_code == 1) << resumed.output;
  EXPECT_NE(resumed.output.find(fmt::format("resumed after {} runs", before)), std::string::npos)
      << resumed.output;
  EXPECT_NE(resumed.output.find("1 workers, 1 runs at once"), std::string::npos)
      << resumed.output;
  // To the budget, or to where random had no plan left (simple-deliv's space is small).
  const std::string summary = slurp(out / "summary.json");
  const std::size_t runs = journal(out).size();
  EXPECT_GT(runs, before);
  EXPECT_TRUE(runs == static_cast<std::size_t>(budget) ||
              summary.find("\"exhausted\": true") != std::string::npos)
      << summary;
  EXPECT_EQ(journal(out), up_to(static_cast<int>(runs))) << "no gap, no duplicate";
  std::set<std::string> dirs;
  for (const auto& d : all(slurp(out / "checkpoint.json"), "\"dir\": \"([^\"]*)\"")) {
    EXPECT_TRUE(dirs.insert(d).second) << d << " twice";
    EXPECT_TRUE(fs::exists(fs::path(d) / "observation.bin")) << d;
  }
  EXPECT_FALSE(fs::exists(out / "runs" / fmt::format("{:05}", runs))) << "none past the end";
  EXPECT_NE(summary.find(fmt::format("\"runs\": {}", runs)), std::string::npos) << summary;
  EXPECT_FALSE(process_running("simple_deliv --role"));
}

// The pid of a process whose command line names `words` and whose environment has `var`.
pid_t process_with(const std::string& words, const std::string& var) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const std::string pid = entry.path().filename();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string line = slurp(entry.path() / "cmdline");
    std::replace(line.begin(), line.end(), '\0', ' ');
    if (line.find(words) == std::string::npos) continue;
    std::string env = slurp(entry.path() / "environ");
    if (env.find(var + '\0') != std::string::npos) return static_cast<pid_t>(std::stoi(pid));
  }
  return 0;
}

// A one-node Slurm cluster (tests/support/slurm_cluster.sh), stopped when the test ends.
class SlurmCluster {
 public:
  explicit SlurmCluster(const fs::path& dir) : dir_(dir) {
    auto r = run_fissure_as(fmt::format("{} start {}", script(), dir.string()));
    up_ = r.exit_code == 0;
    why_ = r.output;
  }
  ~SlurmCluster() { run_fissure_as(fmt::format("{} stop {}", script(), dir_.string())); }
  bool up() const { return up_; }
  const std::string& why() const { return why_; }
  std::string env() const { return fmt::format("SLURM_CONF={}", (dir_ / "slurm.conf").string()); }

 private:
  static std::string script() {
    return (fs::path(FISSURE_SOURCE_DIR) / "tests/support/slurm_cluster.sh").string();
  }
  fs::path dir_;
  bool up_ = false;
  std::string why_;
};

// The sample batch script through sbatch: its first step loses its worker (SIGKILL), and the
// script goes on with --resume in a second step, to the campaign's end.
TEST(Mpi, TheSampleSbatchScriptRecoversFromALostWorker) {
  if (std::system("command -v sbatch > /dev/null 2>&1") != 0)
    GTEST_SKIP() << "no sbatch (Debian: slurm-wlm, munge)";
  ScratchDir dir;
  SlurmCluster slurm(dir.path() / "slurm");
  if (!slurm.up()) GTEST_SKIP() << "a one-node Slurm cluster cannot start here: " << slurm.why();
  const auto spec = spec_of("simple-deliv");
  auto out = dir.path() / "c";
  auto log = dir.path() / "job.log";
  auto script = fs::path(FISSURE_SOURCE_DIR) / "experiments/slurm/explore.sbatch";
  const int budget = 24;
  // In the background: the test kills a worker while the job runs.
  auto submitted = run_fissure_as(fmt::format(
      "{} FISSURE={} FISSURE_WORKER_DIR={} sbatch --parsable --nodes=1 --cpus-per-task=1 "
      "--output={} {} {} {} --strategy random --seed 4 --runs {} --replays 1",
      slurm.env(), FISSURE_BINARY, (dir.path() / "w").string(), log.string(), script.string(),
      spec.string(), out.string(), budget));
  ASSERT_EQ(submitted.exit_code, 0) << submitted.output;
  const std::string job = submitted.output.substr(0, submitted.output.find_first_of(";\n"));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  while (journal(out).size() < 6 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  pid_t worker = process_with(out.string(), "PMIX_RANK=1");
  ASSERT_GT(worker, 0) << slurp(log);
  kill(worker, SIGKILL);
  auto state = [&] {
    return run_fissure_as(fmt::format("{} squeue -h -j {} -o %T", slurm.env(), job)).output;
  };
  deadline = std::chrono::steady_clock::now() + std::chrono::seconds(180);
  while (!state().empty() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_TRUE(state().empty()) << "the job is still there";
  const std::string said = slurp(log);
  EXPECT_NE(said.find("step 1 failed"), std::string::npos) << said;
  EXPECT_NE(said.find("step 2 of at most 5: explore --resume"), std::string::npos) << said;
  // To the budget, or to where random had no plan left (simple-deliv's space is small).
  const std::string summary = slurp(out / "summary.json");
  const std::size_t runs = journal(out).size();
  EXPECT_TRUE(runs == static_cast<std::size_t>(budget) ||
              summary.find("\"exhausted\": true") != std::string::npos)
      << summary;
  EXPECT_NE(summary.find(fmt::format("\"runs\": {}", runs)), std::string::npos) << said;
  EXPECT_FALSE(symptoms(out).empty()) << summary;
  EXPECT_EQ(journal(out), up_to(static_cast<int>(runs))) << "no gap, no duplicate";
}

}  // namespace
}  // namespace fissure::testing
