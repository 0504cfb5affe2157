#include "mpi_executor.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <fstream>
#include <limits>
#include <sstream>

#include "observation_store.hpp"

namespace fissure {

namespace {

void write_file(const std::filesystem::path& file, const std::string& bytes) {
  std::filesystem::create_directories(file.parent_path());
  std::ofstream os(file, std::ios::binary | std::ios::trunc);
  os.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!os) throw RunError(fmt::format("cannot write {}", file.string()));
}

}  // namespace

MpiExecutor::MpiExecutor(mpi::World& world, const std::filesystem::path& spec,
                         const std::filesystem::path& dir)
    : world_(world), dir_(std::filesystem::absolute(dir)) {
  const int n = mpi::size();
  if (n < 2)
    throw RunError(
        "explore --mpi: only one rank; start it with mpirun -np N (or srun) and N >= 2: rank 0 "
        "coordinates, the others run");
  mpi::Setup setup{std::filesystem::absolute(spec).string(), dir_.filename().string()};
  for (int r = 1; r < n; ++r) mpi::send(setup, r, mpi::kSetup);
  std::vector<std::string> refusals;
  for (int r = 1; r < n; ++r) {
    auto in = mpi::receive(r, mpi::kHello, true);
    auto hello = mpi::decode<mpi::Hello>(in->bytes);
    if (!hello.error.empty())
      refusals.push_back(fmt::format("rank {} on {}: {}", r, hello.host, hello.error));
    workers_.push_back({r, hello.host, hello.root, hello.slots, 0});
    slots_ += hello.slots;
  }
  if (!refusals.empty())
    throw RunError(fmt::format("explore --mpi: {} worker(s) cannot take part: {}",
                               refusals.size(), fmt::join(refusals, "; ")));
}

MpiExecutor::~MpiExecutor() { world_.stop_workers(); }

// Every run of the batch is sent at once, so that the workers have runs in hand while the
// coordinator asks the strategy for the next batch.
void MpiExecutor::start(std::vector<Job>& jobs, const std::vector<std::string>& expected_keys,
                        bool isolate) {
  batch_ = &jobs;
  intake_.begin(jobs.size());
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    std::size_t best = 0;
    for (std::size_t w = 1; w < workers_.size(); ++w)
      if (static_cast<double>(workers_[w].running) / workers_[w].slots <
          static_cast<double>(workers_[best].running) / workers_[best].slots)
        best = w;
    std::ostringstream plan;
    write_plan(jobs[i].plan, plan);
    const std::uint64_t id = next_id_++;
    mpi::send(mpi::RunOrder{id, name_of(jobs[i].dir), plan.str(), expected_keys, isolate},
              workers_[best].rank, mpi::kRun);
    ++workers_[best].running;
    in_flight_[id] = i;
    worker_of_id_[id] = best;
  }
}

// Results are taken in as they come, and handed on in the batch's order as soon as each is
// in: the campaign takes a run in while the workers' later results are still decoded.
void MpiExecutor::finish(const std::function<void(std::size_t)>& taken) {
  const std::size_t n = batch_ ? batch_->size() : 0;
  std::size_t next = 0;
  try {
    while (next < n) {
      if (!in_flight_.empty())
        if (auto in = mpi::receive(-1, mpi::kResult, false)) {
          take(*in);
          continue;
        }
      if (intake_.done(next)) {
        taken(next++);
        continue;
      }
      // Nothing came: the next result is still decoding, or still running on a worker.
      if (in_flight_.empty())
        intake_.wait_for(next);
      else
        intake_.wait_for(next, std::chrono::microseconds(500));
    }
  } catch (...) {
    intake_.wait();  // the jobs it writes into go with the exception
    throw;
  }
  intake_.wait();
  batch_ = nullptr;
}

void MpiExecutor::take(const mpi::Incoming& in) {
  auto done = mpi::decode<mpi::RunDone>(in.bytes);
  auto it = in_flight_.find(done.id);
  if (it == in_flight_.end() || batch_ == nullptr)
    throw RunError(fmt::format("explore --mpi: rank {} sent run {}, which is not in flight",
                               in.source, done.id));
  const std::size_t index = it->second;
  Job& j = (*batch_)[index];
  Worker& w = workers_[worker_of_id_[done.id]];
  --w.running;
  in_flight_.erase(it);
  worker_of_id_.erase(done.id);
  const std::string name = name_of(j.dir);
  if (!done.error.empty()) {
    j.error = fmt::format("on {} (rank {}): {}", w.host, w.rank, done.error);
    intake_.settle(index);
    return;
  }
  made_by_[name] = static_cast<std::size_t>(&w - workers_.data());
  intake_.take(index, j, std::move(done),
               fmt::format("{}:{}", w.host, (std::filesystem::path(w.root) / name).string()),
               fmt::format("from {} (rank {})", w.host, w.rank));
}

// A run made by an earlier MPI job of the campaign (before a resume) keeps its trace where it
// was made: worker.txt in its directory says where.
void MpiExecutor::keep_trace(const std::filesystem::path& dir) {
  const std::string name = name_of(dir);
  auto it = made_by_.find(name);
  if (it == made_by_.end() || std::filesystem::exists(dir / "trace.bin")) return;
  const Worker& w = workers_[it->second];
  mpi::send(mpi::Name{name}, w.rank, mpi::kFetch);
  auto files = mpi::decode<mpi::Files>(mpi::receive(w.rank, mpi::kFiles, true)->bytes);
  if (!files.error.empty())
    throw RunError(fmt::format("{}: its trace from {} (rank {}): {}", dir.string(), w.host,
                               w.rank, files.error));
  for (const auto& [path, bytes] : files.files) {
    auto rel = std::filesystem::path(path).lexically_normal();
    if (rel.is_absolute() || rel.string().starts_with(".."))
      throw RunError(fmt::format("{}: rank {} sent a file outside the run: {}", dir.string(),
                                 w.rank, path));
    write_file(dir / rel, bytes);
  }
}

void MpiExecutor::drop_trace(const std::filesystem::path& dir) {
  auto it = made_by_.find(name_of(dir));
  if (it == made_by_.end()) return;
  mpi::send(mpi::Name{it->first}, workers_[it->second].rank, mpi::kDrop);
}

std::string MpiExecutor::name_of(const std::filesystem::path& dir) const {
  return std::filesystem::absolute(dir).lexically_relative(dir_).string();
}

}  // namespace fissure
