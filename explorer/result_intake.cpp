#include "result_intake.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
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

void ResultIntake::take(Job& j, mpi::RunDone done, std::string worker, std::string from) {
  group_.run([&j, done = std::move(done), worker = std::move(worker), from = std::move(from)] {
    try {
      take_result(j, done, worker);
    } catch (const std::exception& e) {
      j.error = fmt::format("{}: {}", from, e.what());
    }
  });
}

}  // namespace fissure
