#include "result_intake.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <tbb/task_arena.h>
#include <sstream>

#include "observation_store.hpp"
#include "run_record.hpp"

namespace fissure {

namespace {

// Into an existing directory.
void write_new_file(const std::filesystem::path& file, const std::string& bytes) {
  std::ofstream os(file, std::ios::binary | std::ios::trunc);
  os.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!os) throw RunError(fmt::format("cannot write {}", file.string()));
}

}  // namespace

void take_result(Job& j, const mpi::RunDone& done, const std::string& worker) {
  auto kind = verdict_kind_from_string(done.verdict);
  if (!kind) throw RunError(fmt::format("verdict {:?}", done.verdict));
  j.result.verdict.kind = *kind;
  j.result.verdict.message = done.message;
  j.seen = decode_observation(j.plan, done.observation, "the observation of " + j.dir.string());
  std::filesystem::remove_all(j.dir);  // a run a killed campaign left half done
  std::filesystem::create_directories(j.dir);
  std::ostringstream plan;
  write_plan(j.plan, plan);
  write_new_file(j.dir / "plan.json", plan.str());
  write_new_file(j.dir / "run.json", done.run_json);
  write_new_file(j.dir / "worker.txt", worker + "\n");
  save_observation_bytes(done.observation, j.dir);  // last: the run is complete
  // The verdict whole (its class too) as the worker's run.json has it, as a resumed campaign
  // reads it.
  if (auto v = parse_run_record(done.run_json, j.dir.string()).read_verdict()) j.result.verdict = *v;
}

ResultIntake::ResultIntake() : threaded_(tbb::this_task_arena::max_concurrency() > 1) {}

void ResultIntake::begin(std::size_t jobs) {
  std::lock_guard lock(mu_);
  state_.assign(jobs, State::Waiting);
  work_.assign(jobs, nullptr);
}

void ResultIntake::mark(std::size_t i) {
  {
    std::lock_guard lock(mu_);
    state_.at(i) = State::Done;
    work_.at(i) = nullptr;
  }
  cv_.notify_all();
}

void ResultIntake::settle(std::size_t i) { mark(i); }

bool ResultIntake::done(std::size_t i) const {
  std::lock_guard lock(mu_);
  return state_.at(i) == State::Done;
}

bool ResultIntake::claim(std::size_t i) {
  std::lock_guard lock(mu_);
  if (state_.at(i) != State::Queued) return false;
  state_[i] = State::Running;
  return true;
}

void ResultIntake::run(std::size_t i) {
  std::function<void()> work;
  {
    std::lock_guard lock(mu_);
    work = std::move(work_.at(i));
  }
  work();
  mark(i);
}

void ResultIntake::wait_for(std::size_t i, std::chrono::microseconds most) {
  if (claim(i)) return run(i);  // not begun: the caller needs it first
  std::unique_lock lock(mu_);
  if (most == std::chrono::microseconds::max())
    cv_.wait(lock, [&] { return state_.at(i) == State::Done; });
  else
    cv_.wait_for(lock, most, [&] { return state_.at(i) == State::Done; });
}

void ResultIntake::take(std::size_t i, Job& j, mpi::RunDone done, std::string worker,
                        std::string from) {
  {
    std::lock_guard lock(mu_);
    work_.at(i) = [&j, done = std::move(done), worker = std::move(worker),
                   from = std::move(from)] {
      try {
        take_result(j, done, worker);
      } catch (const std::exception& e) {
        j.error = fmt::format("{}: {}", from, e.what());
      }
    };
    state_[i] = State::Queued;
  }
  if (!threaded_) {  // nobody else would run it while this thread waits for it
    claim(i);
    run(i);
    return;
  }
  group_.run([this, i] {
    if (claim(i)) run(i);
  });
}

}  // namespace fissure
