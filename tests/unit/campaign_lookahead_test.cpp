// The campaign over an executor that overlaps batches (as MPI's does), with no process run:
// each run's verdict and observation are made up from its plan.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "campaign.hpp"
#include "cluster.hpp"
#include "run_executor.hpp"

namespace fissure::testing {
namespace {

// Every plan with a fault fails the same way; every run passes the same `points` points.
class OverlappingExecutor : public RunExecutor {
 public:
  explicit OverlappingExecutor(unsigned points) : points_(points) {}
  unsigned slots() const override { return 2; }
  bool overlaps() const override { return true; }
  void start(std::vector<Job>& jobs, const std::vector<std::string>&, bool) override {
    for (Job& j : jobs) {
      const bool faulty = !j.plan.faults.empty();
      j.result.verdict = faulty ? Verdict{VerdictKind::Bug, "lost the write", VerdictClass::Safety}
                                : Verdict::good("ok");
      j.seen.plan = j.plan;
      j.seen.verdict = faulty ? VerdictKind::Bug : VerdictKind::Good;
      j.seen.signature = faulty ? "lost" : "fine";
      j.seen.points.clear();
      for (unsigned k = 1; k <= points_; ++k)
        j.seen.points.push_back({"server", OpClass::Send, "client", k});
      ++made_;
    }
    started_ = jobs.size();
  }
  void finish(const std::function<void(std::size_t)>& taken) override {
    for (std::size_t i = 0; i < started_; ++i) taken(i);
  }
  void drop_trace(const std::filesystem::path&) override {}
  unsigned made() const { return made_; }

 private:
  unsigned points_;
  unsigned made_ = 0;
  std::size_t started_ = 0;
};

Spec two_nodes() {
  Spec s;
  s.name = "lookahead";
  s.file = "/nonexistent/lookahead/target.toml";  // no process is run
  s.nodes.push_back({});
  s.nodes.back().name = "server";
  s.nodes.push_back({});
  s.nodes.back().name = "client";
  s.nodes.back().workload = true;
  s.faults.kinds = {FaultKind::Crash};
  s.faults.nodes = {"server"};
  s.faults.max = 1;
  return s;
}

// An exhaustive campaign of `runs` runs, one baseline, two replays a bug, on `workers`.
CampaignOptions exhaustive_with_replays(std::uint64_t runs, const ScratchDir& dir,
                                        OverlappingExecutor& workers) {
  CampaignOptions opt;
  opt.strategy = "exhaustive";
  opt.runs = runs;
  opt.baseline = 1;
  opt.replays = 2;
  opt.dir = dir.path() / "c";
  opt.executor = &workers;
  return opt;
}

// Budget 17 at 2 slots: 1 baseline run, then a batch of 8 crashes, all failing. The batch
// proposed while those 8 ran must leave the bug its 2 replays: 6 more crashes and the
// replays, not 8 crashes and no replay.
TEST(CampaignLookAhead, HoldsBackTheReplaysOfABugTheBatchInFlightShows) {
  ScratchDir dir;
  OverlappingExecutor workers(40);
  CampaignOptions opt = exhaustive_with_replays(17, dir, workers);
  CampaignResult r = run_campaign(two_nodes(), opt);
  EXPECT_EQ(r.runs, 17u);
  EXPECT_EQ(workers.made(), 17u);
  ASSERT_EQ(r.bugs.size(), 1u);
  EXPECT_EQ(r.bugs[0].replays, 2u) << "the look-ahead took the runs its replays needed";
  EXPECT_EQ(r.bugs[0].reproduced, 2u);
  EXPECT_TRUE(r.bugs[0].minimized);
}

// Budget enough for everything: holding back changes nothing but the order.
TEST(CampaignLookAhead, SpendsTheWholeBudgetWhenNoBugNeedsIt) {
  ScratchDir dir;
  OverlappingExecutor workers(40);
  CampaignOptions opt = exhaustive_with_replays(30, dir, workers);
  CampaignResult r = run_campaign(two_nodes(), opt);
  EXPECT_EQ(r.runs, 30u);
  ASSERT_EQ(r.bugs.size(), 1u);
  EXPECT_EQ(r.bugs[0].replays, 2u);
}

}  // namespace
}  // namespace fissure::testing
