// How long building the model takes, and how much memory it holds, for a large trace: a
// synthetic one of --events events (default 100,000), or a recorded trace.bin.
//   model_build [--events N] [--nodes K] [--trace PATH]
#include <fmt/format.h>
#include <sys/resource.h>

#include <chrono>
#include <cstring>
#include <random>
#include <set>
#include <string>

#include "fissure/model/graph.hpp"
#include "fissure/model/lineage.hpp"
#include "fissure/model/pattern.hpp"
#include "fissure/tracer/trace.hpp"

namespace {

long max_rss_kib() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

// K nodes with two threads each, talking pairwise over TCP-like channels: every send is
// received in one or two reads, as a real trace would have it.
fissure::Trace synthetic(std::size_t events, std::size_t nodes) {
  fissure::Trace t;
  t.target = "synthetic";
  for (std::size_t n = 0; n < nodes; ++n)
    t.nodes.push_back(
        {fmt::format("n{}", n), n == 0, {}, 0, fissure::NodeEnd::Exited, 0, 0, 0, 0, 0});
  std::mt19937_64 rng(42);
  std::vector<std::uint64_t> seq(nodes * 2, 0);
  std::vector<std::uint64_t> offsets;
  auto add = [&](std::size_t node, int thread, fissure::Sys sys, std::int32_t ch,
                 fissure::EventDir dir, std::int64_t moved, std::uint64_t offset) {
    fissure::Event& e = t.events.emplace_back();
    e.id = t.events.size() - 1;
    e.node = static_cast<std::uint32_t>(node);
    e.pid = static_cast<std::int32_t>(1000 + node);
    e.tid = static_cast<std::int32_t>(1000 + node * 2 + thread);
    e.seq = seq[node * 2 + thread]++;
    e.sys = sys;
    e.channel = ch;
    e.dir = dir;
    e.moved = e.result = moved;
    e.offset = offset;
    e.time_ns = e.end_ns = e.id;
    if (sys == fissure::Sys::write)
      e.point = {t.nodes[node].name, fissure::OpClass::Send, fmt::format("n{}", (node + 1) % nodes),
                 static_cast<std::uint32_t>(e.seq)};
    else  // the sender is the previous node
      e.point = {t.nodes[node].name, fissure::OpClass::Recv,
                 fmt::format("n{}", (node + nodes - 1) % nodes), static_cast<std::uint32_t>(e.seq)};
  };
  for (std::size_t a = 0; a < nodes; ++a) {
    fissure::Channel& c = t.channels.emplace_back();
    c.id = static_cast<std::uint32_t>(t.channels.size() - 1);
    c.kind = fissure::ChannelKind::Tcp;
    offsets.push_back(0);
  }
  while (t.events.size() + 3 <= events) {
    std::size_t a = rng() % nodes, b = (a + 1) % nodes;
    auto ch = static_cast<std::int32_t>(a);
    std::int64_t len = 10 + static_cast<std::int64_t>(rng() % 1000);
    std::uint64_t off = offsets[a];
    add(a, static_cast<int>(rng() % 2), fissure::Sys::write, ch, fissure::EventDir::AtoB, len, off);
    std::int64_t first = len / 2;
    int reader = static_cast<int>(rng() % 2);
    add(b, reader, fissure::Sys::read, ch, fissure::EventDir::AtoB, first, off);
    add(b, reader, fissure::Sys::read, ch, fissure::EventDir::AtoB, len - first,
        off + static_cast<std::uint64_t>(first));
    offsets[a] += static_cast<std::uint64_t>(len);
  }
  return t;
}

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t events = 100'000, nodes = 5;
  std::string path;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--events"))
      events = std::stoul(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--nodes"))
      nodes = std::stoul(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--trace"))
      path = argv[i + 1];
  }
  long rss0 = max_rss_kib();
  auto start = std::chrono::steady_clock::now();
  fissure::Trace t = path.empty() ? synthetic(events, nodes) : fissure::load_binary(path);
  double load_ms = ms_since(start);
  long rss_trace = max_rss_kib();
  start = std::chrono::steady_clock::now();
  fissure::derive_causality(t);
  double causality_ms = ms_since(start);
  start = std::chrono::steady_clock::now();
  fissure::CommGraph g(t);
  double graph_ms = ms_since(start);
  start = std::chrono::steady_clock::now();
  auto order = g.topological_order();
  double topo_ms = ms_since(start);
  start = std::chrono::steady_clock::now();
  auto past = g.causal_past(t.events.size() - 1);
  double past_ms = ms_since(start);
  start = std::chrono::steady_clock::now();
  auto pattern = fissure::comm_pattern(t);
  double pattern_ms = ms_since(start);
  start = std::chrono::steady_clock::now();
  std::size_t support_events = 0;
  auto outcomes = fissure::outcome_events(t);
  for (std::uint64_t o : outcomes) support_events += fissure::support_of(g, o).events.size();
  double lineage_ms = ms_since(start);
  long rss_model = max_rss_kib();
  std::set<std::int32_t> tids;
  for (const auto& e : t.events) tids.insert(e.tid);
  fmt::print("{} events, {} causal edges, {} threads{}\n", t.events.size(), t.edges.size(),
             tids.size(), path.empty() ? " (synthetic)" : "");
  fmt::print("  {} trace:              {:8.1f} ms\n", path.empty() ? "make" : "load", load_ms);
  fmt::print("  derive causal edges:     {:8.1f} ms\n", causality_ms);
  fmt::print("  build CommGraph:         {:8.1f} ms\n", graph_ms);
  fmt::print("  topological order:       {:8.1f} ms\n", topo_ms);
  fmt::print("  causal past (last):      {:8.1f} ms ({} events)\n", past_ms, past.size());
  fmt::print("  communication pattern:   {:8.1f} ms\n", pattern_ms);
  fmt::print("  lineage (every outcome): {:8.1f} ms ({} outcomes, {} support events)\n", lineage_ms,
             outcomes.size(), support_events);
  fmt::print("  model total (edges+graph+order+past+pattern+lineage): {:.1f} ms\n",
             causality_ms + graph_ms + topo_ms + past_ms + pattern_ms + lineage_ms);
  fmt::print(
      "  peak memory: trace {} MiB, with model {} MiB ({:.0f} bytes per event for the model)\n",
      (rss_trace - rss0) / 1024, (rss_model - rss0) / 1024,
      static_cast<double>(rss_model - rss_trace) * 1024.0 / static_cast<double>(t.events.size()));
  return order.size() == t.events.size() ? 0 : 1;
}
