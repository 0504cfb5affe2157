#include "campaign.hpp"

#include <fmt/format.h>
#include <tbb/task_group.h>

#include <cereal/archives/json.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>
#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "fissure/model/pattern.hpp"
#include "fissure/strategies/strategy.hpp"
#include "fissure/tracer/tracer.hpp"
#include "run_record.hpp"

namespace fissure {

namespace {

// Bugs with the same symptom are one bug: numbers in messages (ports, pids, counts) vary.
std::string symptom_of(const Verdict& v) {
  std::string msg;
  bool in_number = false;
  for (char c : v.message) {
    bool digit = c >= '0' && c <= '9';
    if (digit && !in_number) msg += '#';
    if (!digit) msg += c;
    in_number = digit;
  }
  return fmt::format("{}: {}", to_string(v.kind), msg);
}

struct Job {
  FaultPlan plan;
  std::filesystem::path dir;
  RunResult result;
  std::string error;
};

std::vector<InjectionPoint> points_of(const Trace& t) {
  std::vector<InjectionPoint> out;
  for (const Event& e : t.events)
    if (!e.point.empty()) out.push_back(e.point);
  return out;
}

}  // namespace

CampaignResult run_campaign(const Spec& spec, const CampaignOptions& opt) {
  std::vector<std::string> nodes, workload;
  for (const auto& n : spec.nodes) {
    nodes.push_back(n.name);
    if (n.workload) workload.push_back(n.name);
  }
  auto strategy = make_strategy(opt.strategy, spec.faults, nodes, opt.seed, workload);
  const unsigned cpus = std::max(1u, std::thread::hardware_concurrency());
  CampaignResult out;
  std::set<std::string> signatures;
  std::map<std::string, std::size_t> bug_of_symptom;
  auto started = std::chrono::steady_clock::now();

  // Runs a batch at once, one run per CPU, each in namespaces of its own.
  auto run_batch = [&](std::vector<Job>& jobs) {
    tbb::task_group group;
    for (std::size_t i = 0; i < jobs.size(); ++i)
      group.run([&, i] {
        Job& j = jobs[i];
        try {
          j.result = run_traced(spec, {.run_dir = j.dir,
                                       .cpu = static_cast<int>(i % cpus),
                                       .exact_results = false,
                                       .plan = j.plan,
                                       .isolate = true});
          keep_run(
              spec, j.plan, j.dir,
              {.cpu = static_cast<int>(i % cpus), .json = false, .exact = false, .isolate = true},
              j.result);
        } catch (const std::exception& e) {
          j.error = e.what();  // reported below, by the campaign's own thread
        }
      });
    group.wait();
    out.runs += jobs.size();
    for (const Job& j : jobs)
      if (!j.error.empty()) throw RunError(fmt::format("run {}: {}", j.dir.string(), j.error));
  };
  auto observe = [&](const Job& j) {
    Observation o{j.plan, std::string(to_string(j.result.verdict.kind)), points_of(j.result.trace),
                  coverage_signature(j.result.trace, to_string(j.result.verdict.kind))};
    signatures.insert(o.signature);
    strategy->observe(o);
  };
  // Drops one fault at a time while the symptom stays; a crash's restart goes with it.
  auto minimize = [&](BugReport& bug) {
    bool shrunk = true;
    while (shrunk && bug.plan.faults.size() > 1) {
      shrunk = false;
      for (std::size_t i = 0; i < bug.plan.faults.size() && !shrunk; ++i) {
        if (bug.plan.faults[i].kind == FaultKind::Restart) continue;
        if (out.runs >= opt.runs) return false;
        FaultPlan smaller;
        for (std::size_t k = 0; k < bug.plan.faults.size(); ++k) {
          const Fault& f = bug.plan.faults[k];
          bool restart_of_dropped = f.kind == FaultKind::Restart &&
                                    bug.plan.faults[i].kind == FaultKind::Crash &&
                                    f.node == bug.plan.faults[i].at.node;
          if (k != i && !restart_of_dropped) smaller.faults.push_back(f);
        }
        std::vector<Job> attempt{
            {smaller, opt.dir / "runs" / fmt::format("{:05}", out.runs), {}, {}}};
        run_batch(attempt);
        observe(attempt[0]);
        if (symptom_of(attempt[0].result.verdict) == bug.symptom) {
          bug.plan = smaller;
          bug.first_run = attempt[0].dir.string();
          shrunk = true;
        }
      }
    }
    return true;
  };
  auto report = [&](const std::string& what) {
    if (!opt.progress) return;
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    opt.progress(fmt::format(
        "{}: runs {}/{}, {:.2f} runs/s, {} unique signatures, {} bugs", what, out.runs, opt.runs,
        secs > 0 ? static_cast<double>(out.runs) / secs : 0.0, signatures.size(), out.bugs.size()));
  };

  // The baseline: an oracle that fails without faults is a broken spec, not a bug.
  std::vector<Job> base;
  for (unsigned i = 0; i < opt.baseline && out.runs + base.size() < opt.runs; ++i)
    base.push_back({{}, opt.dir / "runs" / fmt::format("{:05}", out.runs + base.size()), {}, {}});
  for (std::size_t i = 0; i < base.size(); i += opt.jobs) {
    std::vector<Job> batch(base.begin() + static_cast<long>(i),
                           base.begin() + static_cast<long>(std::min(base.size(), i + opt.jobs)));
    run_batch(batch);
    for (const Job& j : batch) {
      if (j.result.verdict.kind != VerdictKind::Good)
        throw SpecError(fmt::format(
            "{}: the run fails without faults ({}: {}); fix the spec or the target first "
            "(run kept in {})",
            spec.file.string(), to_string(j.result.verdict.kind), j.result.verdict.message,
            j.dir.string()));
      observe(j);
    }
  }
  report("baseline");

  while (out.runs < opt.runs) {
    std::vector<Job> batch;
    while (batch.size() < opt.jobs && out.runs + batch.size() < opt.runs) {
      auto plan = strategy->propose();
      if (!plan) break;
      batch.push_back(
          {*plan, opt.dir / "runs" / fmt::format("{:05}", out.runs + batch.size()), {}, {}});
    }
    if (batch.empty()) {
      out.exhausted = true;
      break;
    }
    run_batch(batch);
    std::vector<std::size_t> new_bugs;
    for (const Job& j : batch) {
      observe(j);
      const Verdict& v = j.result.verdict;
      if (v.kind != VerdictKind::Bug && v.kind != VerdictKind::Hang) continue;
      std::string symptom = symptom_of(v);
      if (bug_of_symptom.contains(symptom)) continue;
      bug_of_symptom[symptom] = out.bugs.size();
      new_bugs.push_back(out.bugs.size());
      out.bugs.push_back(
          {symptom, std::string(to_string(v.kind)), v.message, j.plan, j.dir.string(), 0, 0});
    }
    // Each new bug's plan is made 1-minimal (no single fault can go and the symptom stay),
    // then replayed for its reproduction rate, all within the run budget.
    for (std::size_t b : new_bugs) {
      BugReport& bug = out.bugs[b];
      bug.minimized = minimize(bug);
      for (unsigned done = 0; done < opt.replays && out.runs < opt.runs;) {
        std::vector<Job> replays;
        while (done + replays.size() < opt.replays && replays.size() < opt.jobs &&
               out.runs + replays.size() < opt.runs)
          replays.push_back({bug.plan,
                             opt.dir / "runs" / fmt::format("{:05}", out.runs + replays.size()),
                             {},
                             {}});
        run_batch(replays);
        for (const Job& j : replays) {
          observe(j);
          ++bug.replays;
          bug.reproduced += symptom_of(j.result.verdict) == bug.symptom;
        }
        done += static_cast<unsigned>(replays.size());
      }
    }
    report("explore");
  }
  out.unique_signatures = signatures.size();
  return out;
}

void write_summary(const CampaignResult& r, const std::filesystem::path& file) {
  std::ofstream os(file);
  cereal::JSONOutputArchive ar(os);
  ar(cereal::make_nvp("runs", r.runs), cereal::make_nvp("unique_signatures", r.unique_signatures),
     cereal::make_nvp("exhausted", r.exhausted));
  ar.setNextName("bugs");
  ar.startNode();
  ar.makeArray();
  for (const auto& b : r.bugs) {
    std::ostringstream plan;
    write_plan(b.plan, plan);
    ar.startNode();
    ar(cereal::make_nvp("symptom", b.symptom), cereal::make_nvp("verdict", b.verdict),
       cereal::make_nvp("message", b.message), cereal::make_nvp("plan", plan.str()),
       cereal::make_nvp("plan_id", b.plan.id()), cereal::make_nvp("minimized", b.minimized),
       cereal::make_nvp("reproduced", b.reproduced), cereal::make_nvp("replays", b.replays),
       cereal::make_nvp("first_run", b.first_run),
       cereal::make_nvp("replay", fmt::format("fissure replay {}", b.first_run)));
    ar.finishNode();
  }
  ar.finishNode();
}

}  // namespace fissure
