#include "local_executor.hpp"

#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <thread>

#include "observation_store.hpp"
#include "run_record.hpp"

namespace fissure {

void run_job(const Spec& spec, Job& j, int cpu, bool isolate,
             const std::vector<std::string>& expected_keys) {
  RunSettings settings{.cpu = cpu, .json = false, .exact = false, .isolate = isolate};
  try {
    std::filesystem::remove_all(j.dir);
    j.result = run_and_keep(spec, j.plan, j.dir, settings);
    j.seen = observation_of(j.plan, j.result, expected_keys);
    save_observation(j.seen, j.dir);
  } catch (const std::exception& e) {
    j.error = e.what();  // reported by the campaign's own thread
  }
}

// Runs the whole batch before returning: the campaign's thread is one of the arena's.
void LocalExecutor::start(std::vector<Job>& jobs, const std::vector<std::string>& expected_keys,
                          bool isolate) {
  jobs_started_ = jobs.size();
  const unsigned cpus = std::max(1u, std::thread::hardware_concurrency());
  // `jobs_` threads take the batch's runs as they come free, each on a CPU of its own.
  tbb::task_arena arena(static_cast<int>(jobs_));
  arena.execute([&] {
    tbb::parallel_for(std::size_t{0}, jobs.size(), [&](std::size_t i) {
      int slot = std::max(0, tbb::this_task_arena::current_thread_index());
      run_job(spec_, jobs[i], static_cast<int>(static_cast<unsigned>(slot) % cpus), isolate,
              expected_keys);
    });
  });
}

void LocalExecutor::drop_trace(const std::filesystem::path& dir) {
  std::filesystem::remove(dir / "trace.bin");
  std::filesystem::remove(dir / "trace.json");
}

}  // namespace fissure
