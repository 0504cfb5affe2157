// How many observations per second an MPI campaign's coordinator takes in, with no process
// run: the real campaign (strategy, journal, checkpoint, minimization, run directories) over
// a simulated worker that answers each plan at once with an observation recorded by a real
// campaign. From that, the cluster size at which the coordinator would be the limit.
//
//   coordinator_bench RECORDED_CAMPAIGN_DIR [--strategy hybrid] [--runs 3000] [--slots 64]
//                     [--max-faults N] [--fault-nodes a,b,...]
//
// The spec's own fault space may be smaller than the campaign asked for (redis-replication's,
// one crash of the master, holds about 300 plans): --max-faults and --fault-nodes widen it so
// that a campaign lasts as long as one on a cluster would.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>

#include "campaign.hpp"
#include "observation_store.hpp"
#include "result_intake.hpp"
#include "run_executor.hpp"

namespace fs = std::filesystem;
using namespace fissure;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream is(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(is)), std::istreambuf_iterator<char>());
}

// A recorded run as a worker would send it: for its own plan, and for another plan (a
// different plan's faults did not fire where this one's did not: none are listed unreached).
struct Recorded {
  std::string plan_id, message, run_json, observation, observation_any_plan;
  VerdictKind verdict = VerdictKind::Good;
  bool fault_free = false;
};

class SimulatedWorkers : public RunExecutor {
 public:
  SimulatedWorkers(std::vector<Recorded> runs, unsigned slots)
      : runs_(std::move(runs)), slots_(slots) {
    for (std::size_t i = 0; i < runs_.size(); ++i) by_plan_.emplace(runs_[i].plan_id, i);
  }
  unsigned slots() const override { return slots_; }
  bool overlaps() const override { return true; }
  void start(std::vector<Job>& jobs, const std::vector<std::string>&, bool) override {
    intake_.begin(jobs.size());
    intake_size_ = jobs.size();
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      Job& j = jobs[i];
      // The run recorded for this very plan if there is one, else the next recorded run
      // (a fault-free one for an empty plan, as the baseline must be good).
      const Recorded* r = nullptr;
      bool same = false;
      if (auto it = by_plan_.find(j.plan.id()); it != by_plan_.end()) {
        r = &runs_[it->second];
        same = true;
      }
      while (!r) {
        const Recorded& next = runs_[next_++ % runs_.size()];
        if (!j.plan.faults.empty() || (next.fault_free && next.verdict == VerdictKind::Good))
          r = &next;
      }
      // The worker's message names the verdict, as mpi_worker sends it.
      std::string verdict(to_string(same ? r->verdict : VerdictKind::Good));
      mpi::RunDone done{0,           "",
                        verdict,     same ? r->message : "",
                        r->run_json, same ? r->observation : r->observation_any_plan};
      // As MpiExecutor takes a result in: on TBB's threads, while the campaign goes on.
      intake_.take(i, j, std::move(done), "simulated:" + j.dir.string(), "simulated worker");
      ++taken_;
    }
  }
  void finish(const std::function<void(std::size_t)>& taken) override {
    for (std::size_t i = 0; i < intake_size_; ++i) {
      intake_.wait_for(i);
      taken(i);
    }
    intake_.wait();
  }
  void drop_trace(const fs::path&) override {}
  std::uint64_t taken() const { return taken_; }

 private:
  std::vector<Recorded> runs_;
  std::multimap<std::string, std::size_t> by_plan_;
  unsigned slots_;
  std::size_t next_ = 0;
  std::uint64_t taken_ = 0;
  std::size_t intake_size_ = 0;
  ResultIntake intake_;
};

std::vector<Recorded> load_recorded(const fs::path& campaign, const Spec& spec) {
  std::vector<std::string> nodes;
  for (const auto& n : spec.nodes) nodes.push_back(n.name);
  std::vector<Recorded> out;
  for (const auto& e : fs::directory_iterator(campaign / "runs")) {
    if (!fs::exists(e.path() / kObservationFile)) continue;
    FaultPlan plan = load_plan((e.path() / "plan.json").string(), nodes);
    Observation o = load_observation(plan, e.path());
    Recorded r;
    r.plan_id = plan.id();
    r.verdict = o.verdict;
    r.fault_free = plan.faults.empty();
    r.run_json = slurp(e.path() / "run.json");
    r.observation = encode_observation(o);  // as this build's worker sends it
    o.unreached.clear();
    r.observation_any_plan = encode_observation(o);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"coordinator throughput over recorded observations"};
  std::string recorded, strategy = "hybrid", out = "coordinator-bench";
  std::uint64_t runs = 3000;
  unsigned slots = 64;
  double per_core = 5.0;
  std::uint32_t max_faults = 0;
  std::vector<std::string> fault_nodes;
  app.add_option("RECORDED", recorded, "a campaign directory of real runs")->required();
  app.add_option("--strategy", strategy, "hybrid, random, ...");
  app.add_option("--runs", runs, "runs the simulated campaign makes");
  app.add_option("--slots", slots, "simulated worker slots (the batch width)");
  app.add_option("--per-core", per_core, "runs per second a worker core makes");
  app.add_option("--max-faults", max_faults, "faults per plan instead of the spec's [faults] max");
  app.add_option("--fault-nodes", fault_nodes,
                 "nodes to fault instead of the spec's [faults] nodes")
      ->delimiter(',');
  app.add_option("-o,--out", out, "the simulated campaign's directory (emptied first)");
  CLI11_PARSE(app, argc, argv);
  try {
    Spec spec = load_spec(campaign_spec(recorded));
    if (max_faults != 0) spec.faults.max = max_faults;
    if (!fault_nodes.empty()) spec.faults.nodes = fault_nodes;
    auto runs_recorded = load_recorded(recorded, spec);
    if (runs_recorded.empty()) throw RunError(recorded + ": no recorded runs");
    fs::remove_all(out);
    fs::create_directories(out);
    SimulatedWorkers workers(runs_recorded, slots);
    CampaignOptions opt;
    opt.strategy = strategy;
    opt.runs = runs;
    opt.dir = out;
    opt.replays = 2;
    opt.executor = &workers;
    auto t0 = std::chrono::steady_clock::now();
    CampaignResult r = run_campaign(spec, opt);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    double rate = static_cast<double>(r.runs) / secs;
    std::cout << fmt::format(
        "{}: {} recorded runs of {}; {} runs in {:.2f}s over {} slots: {:.0f} observations/s; "
        "{} bugs;{} solver {:.2f}s; the coordinator saturates at {:.0f} worker cores ({:.0f} "
        "nodes of 32) at {} runs/s per core\n",
        strategy, runs_recorded.size(), spec.name, r.runs, secs, slots, rate, r.bugs.size(),
        r.exhausted ? " space exhausted;" : "", r.search.solver_seconds, rate / per_core,
        rate / per_core / 32, per_core);
  } catch (const std::exception& e) {
    std::cerr << "coordinator_bench: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
