// hybrid, the default: lineage-driven hypotheses first in every batch; coverage-guided
// mutants fill the slots LDFI leaves, and take every slot once LDFI has certified its space,
// hunting what LDFI's fault model cannot reach (delays, timing) until the budget ends. Every
// run, whoever proposed it, is told to both: a mutant's run may reveal a point, a fallback
// or a failure LDFI reasons with next, and LDFI's runs give coverage new signatures to mutate.
#include "coverage_strategy.hpp"
#include "fissure/strategies/strategy.hpp"
#include "ldfi_strategy.hpp"

namespace fissure {

namespace {

class HybridStrategy : public Strategy {
 public:
  HybridStrategy(const FaultSpace& space, std::vector<std::string> nodes, std::uint64_t seed,
                 std::vector<std::string> workload)
      : ldfi_(space, nodes, seed, workload),
        coverage_(make_coverage_strategy(ldfi_.model().universe(), seed)) {}
  std::string_view name() const override { return "hybrid"; }
  std::string_view proposer() const override { return last_; }
  std::optional<FaultPlan> propose() override {
    if (auto plan = ldfi_.propose()) {
      last_ = "ldfi";
      return plan;
    }
    if (auto plan = coverage_->propose()) {
      last_ = "coverage";
      return plan;
    }
    return std::nullopt;
  }
  void observe(const Observation& o) override {
    ldfi_.observe(o);
    coverage_->observe(o);
  }
  // While LDFI has hypotheses, one plan per CPU, as LDFI asks; then coverage's wider batches.
  std::size_t batch_size(unsigned jobs) const override {
    return ldfi_.certificate() ? coverage_->batch_size(jobs) : ldfi_.batch_size(jobs);
  }
  std::optional<Certificate> certificate() const override { return ldfi_.certificate(); }
  SearchStats stats() const override { return ldfi_.stats(); }

 private:
  LdfiStrategy ldfi_;
  std::unique_ptr<Strategy> coverage_;
  std::string last_ = "ldfi";
};

}  // namespace

std::unique_ptr<Strategy> make_hybrid_strategy(const FaultSpace& space,
                                               std::vector<std::string> node_names,
                                               std::uint64_t seed,
                                               std::vector<std::string> workload) {
  return std::make_unique<HybridStrategy>(space, std::move(node_names), seed, std::move(workload));
}

}  // namespace fissure
