#include "mpi_worker.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <fstream>
#include <iterator>
#include <list>
#include <mutex>
#include <sstream>
#include <thread>

#include "job.hpp"
#include "local_executor.hpp"
#include "mpi_protocol.hpp"
#include "observation_store.hpp"

namespace fissure {

namespace {

std::string slurp(const std::filesystem::path& file) {
  std::ifstream is(file, std::ios::binary);
  if (!is) throw RunError(fmt::format("cannot read {}", file.string()));
  return std::string((std::istreambuf_iterator<char>(is)), std::istreambuf_iterator<char>());
}

std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "unknown-host";
  return name;
}

// A run's files but those the coordinator was sent with its result.
mpi::Files files_of(const std::filesystem::path& dir) {
  mpi::Files out;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    out.error = fmt::format("no run directory {} on this worker", dir.string());
    return out;
  }
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    auto rel = e.path().lexically_relative(dir).string();
    if (rel == "plan.json" || rel == "run.json" || rel == kObservationFile) continue;
    out.files.emplace_back(rel, slurp(e.path()));
  }
  return out;
}

struct Slot {
  Job job;
  std::uint64_t id = 0;
  std::thread thread;
  bool done = false;
};

class Worker {
 public:
  Worker(unsigned jobs, std::filesystem::path root) : jobs_(jobs), root_(std::move(root)) {}

  int run() {
    auto first = mpi::receive(0, -1, true);
    if (first->tag == mpi::kStop) return 0;  // the coordinator failed before it began
    if (first->tag != mpi::kSetup)
      throw RunError(fmt::format("explore --mpi: worker got message {} first", first->tag));
    auto setup = mpi::decode<mpi::Setup>(first->bytes);
    mpi::Hello hello{host_name(), "", 1, ""};
    std::optional<Spec> spec;
    try {
      spec = load_spec(setup.spec);
      if (jobs_ == 0) jobs_ = spec->explore.jobs.value_or(1);
      dir_ = root_ / fmt::format("fissure-{}", hello.host) / setup.campaign;
      std::filesystem::create_directories(dir_);
    } catch (const std::exception& e) {
      hello.error = e.what();
    }
    hello.root = dir_.string();
    hello.slots = std::max(1u, jobs_);
    mpi::send(hello, 0, mpi::kHello);
    if (!hello.error.empty()) return wait_for_stop();
    spec_ = &*spec;
    for (;;) {
      while (auto in = mpi::receive(0, -1, false))
        if (!handle(*in)) return finish();
      send_done();
      launch();
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }

 private:
  int wait_for_stop() {
    for (;;) {
      auto in = mpi::receive(0, -1, true);
      if (in->tag == mpi::kStop) return 2;
    }
  }

  // False on kStop.
  bool handle(const mpi::Incoming& in) {
    switch (in.tag) {
      case mpi::kRun:
        queue_.push_back(mpi::decode<mpi::RunOrder>(in.bytes));
        return true;
      case mpi::kFetch:
        mpi::send(files_of(dir_ / mpi::decode<mpi::Name>(in.bytes).name), 0, mpi::kFiles);
        return true;
      case mpi::kDrop: {
        auto dir = dir_ / mpi::decode<mpi::Name>(in.bytes).name;
        std::filesystem::remove(dir / "trace.bin");
        std::filesystem::remove(dir / "trace.json");
        return true;
      }
      case mpi::kStop:
        return false;
      default:
        throw RunError(fmt::format("explore --mpi: worker got unknown message {}", in.tag));
    }
  }

  // Queued runs into free slots, each on its own CPU.
  void launch() {
    const unsigned cpus = std::max(1u, std::thread::hardware_concurrency());
    slots_.resize(jobs_);
    for (unsigned s = 0; s < jobs_; ++s) {
      if (queue_.empty()) return;
      if (slots_[s]) continue;
      mpi::RunOrder order = std::move(queue_.front());
      queue_.pop_front();
      auto slot = std::make_unique<Slot>();
      slot->id = order.id;
      slot->job.dir = dir_ / order.name;
      try {
        std::istringstream is(order.plan);
        slot->job.plan = read_plan(is);
      } catch (const std::exception& e) {
        slot->job.error = e.what();
        slot->done = true;
        slots_[s] = std::move(slot);
        continue;
      }
      Slot* raw = slot.get();
      const int cpu = static_cast<int>(s % cpus);
      slot->thread = std::thread([this, raw, cpu, order = std::move(order)] {
        run_job(*spec_, raw->job, cpu, order.isolate, order.expected_keys);
        std::lock_guard lock(mutex_);
        raw->done = true;
      });
      slots_[s] = std::move(slot);
    }
  }

  void send_done() {
    for (auto& slot : slots_) {
      if (!slot) continue;
      {
        std::lock_guard lock(mutex_);
        if (!slot->done) continue;
      }
      if (slot->thread.joinable()) slot->thread.join();
      mpi::send(result_of(*slot), 0, mpi::kResult);
      slot.reset();
    }
  }

  static mpi::RunDone result_of(const Slot& s) {
    mpi::RunDone d;
    d.id = s.id;
    d.error = s.job.error;
    if (!d.error.empty()) return d;
    try {
      d.verdict = to_string(s.job.result.verdict.kind);
      d.message = s.job.result.verdict.message;
      d.run_json = slurp(s.job.dir / "run.json");
      d.observation = slurp(s.job.dir / kObservationFile);
    } catch (const std::exception& e) {
      d.error = e.what();
    }
    return d;
  }

  // Runs still going finish first: their processes are torn down by the tracer.
  int finish() {
    for (auto& slot : slots_)
      if (slot && slot->thread.joinable()) slot->thread.join();
    return 0;
  }

  unsigned jobs_;
  std::filesystem::path root_, dir_;
  const Spec* spec_ = nullptr;
  std::list<mpi::RunOrder> queue_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::mutex mutex_;
};

}  // namespace

int run_mpi_worker(unsigned jobs, const std::filesystem::path& root) {
  // The coordinator decides when the campaign stops (Ctrl-C, --time, a scheduler's SIGTERM
  // reach every rank); a worker goes on with its runs until it is told.
  signal(SIGINT, SIG_IGN);
  signal(SIGTERM, SIG_IGN);
  return Worker(jobs, root).run();
}

}  // namespace fissure
