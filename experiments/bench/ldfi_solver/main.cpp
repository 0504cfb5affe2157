// How long the lineage-driven search takes to find its first hypothesis, and then each next
// one, on a synthetic model of N injection points: `nodes` nodes exchanging messages in a
// ring, the outcome's precise support a chain of `support` messages to the last node, its
// sound support every point, under crash, error, drop and partition faults, at most 2 per
// plan. Pin it to one CPU (taskset -c 0) to compare runs.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <chrono>

#include "fissure/strategies/strategy.hpp"

int main(int argc, char** argv) {
  std::size_t points = 10'000, nodes = 5, support = 200, next = 20;
  bool no_partition = false;
  CLI::App app("ldfi_solver: time to the first and next hypotheses");
  app.add_option("--points", points, "injection points in the model");
  app.add_option("--nodes", nodes, "nodes");
  app.add_option("--support", support, "messages in the precise support");
  app.add_option("--next", next, "further hypotheses to time");
  app.add_flag("--no-partition", no_partition, "leave partitions out of the fault space");
  CLI11_PARSE(app, argc, argv);

  std::vector<std::string> names;
  for (std::size_t i = 0; i < nodes; ++i) names.push_back(fmt::format("n{}", i));
  names.push_back("client");
  fissure::FaultSpace space;
  space.kinds = {fissure::FaultKind::Crash, fissure::FaultKind::Error, fissure::FaultKind::Drop,
                 fissure::FaultKind::Partition};
  if (no_partition) space.kinds.pop_back();
  space.max = 2;
  space.nodes = {names.begin(), names.end() - 1};
  space.errnos = {ECONNRESET};
  space.heals = {std::chrono::milliseconds(0)};

  fissure::Observation o;
  o.verdict = fissure::VerdictKind::Good;
  o.signature = "s";
  std::map<std::pair<std::string, std::string>, std::uint32_t> k;
  fissure::OutcomeLineage out{"client answer #1", "client", true, {}, {}};
  for (std::size_t i = 0; o.points.size() + 2 <= points; ++i) {
    const std::string& a = names[i % nodes];
    const std::string& b = names[(i + 1) % nodes];
    fissure::InjectionPoint s{a, fissure::OpClass::Send, b, ++k[{a, b}]};
    fissure::InjectionPoint r{b, fissure::OpClass::Recv, a, ++k[{b, a}]};
    o.points.push_back(s);
    o.points.push_back(r);
    if (o.points.size() > points - 2 * support) {
      out.precise.push_back(s);
      out.precise.push_back(r);
    }
    out.sound.push_back(s);
    out.sound.push_back(r);
  }
  o.outcomes.push_back(out);

  auto strategy = fissure::make_ldfi_strategy(space, names, 1, {"client"});
  auto t0 = std::chrono::steady_clock::now();
  strategy->observe(o);
  auto observed = std::chrono::steady_clock::now();
  auto first = strategy->propose();
  auto t1 = std::chrono::steady_clock::now();
  std::size_t found = first ? 1 : 0;
  for (std::size_t i = 0; i < next && strategy->propose(); ++i) ++found;
  auto t2 = std::chrono::steady_clock::now();
  auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
  fmt::print("points {} (precise support {} points, sound {}), units {}\n", o.points.size(),
             out.precise.size(), out.sound.size(), strategy->stats().hypotheses);
  fmt::print("observing the run: {:.1f} ms\n", ms(observed - t0));
  fmt::print("first hypothesis: {:.1f} ms after it ({})\n", ms(t1 - observed),
             first ? fissure::describe(first->faults.front()) : "none");
  fmt::print("next {} hypotheses: {:.2f} ms each\n", found - 1,
             found > 1 ? ms(t2 - t1) / static_cast<double>(found - 1) : 0.0);
  return first ? 0 : 1;
}
