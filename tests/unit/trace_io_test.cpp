#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "fissure/tracer/trace.hpp"

namespace fissure {
namespace {

Trace sample() {
  Trace t;
  t.target = "t";
  t.run_dir = "/r";
  t.end = RunEnd::Timeout;
  t.nodes.push_back({"a", true, {"./a", "x"}, 10, NodeEnd::Exited, 3, 0, 1, 2});
  t.channels.push_back({0, ChannelKind::UnixStream, "unix:1", "unix:2", "/tmp/s", 0, -1});
  Event e;
  e.sys = Sys::sendmmsg;
  e.channel = 0;
  e.dir = EventDir::BtoA;
  e.moved = 7;
  e.result = -32;
  e.peer = "127.0.0.1:9";
  t.events.push_back(e);
  t.edges.push_back({0, 0, EdgeKind::Eof});
  t.stats.seccomp_stops = 42;
  return t;
}

void expect_same(const Trace& a, const Trace& b) {
  EXPECT_EQ(a.target, b.target);
  EXPECT_EQ(a.end, b.end);
  ASSERT_EQ(a.nodes.size(), 1u);
  EXPECT_EQ(b.nodes[0].argv, a.nodes[0].argv);
  EXPECT_EQ(b.nodes[0].end, NodeEnd::Exited);
  EXPECT_EQ(b.channels[0].kind, ChannelKind::UnixStream);
  EXPECT_EQ(b.channels[0].label, "/tmp/s");
  EXPECT_EQ(b.events[0].sys, Sys::sendmmsg);
  EXPECT_EQ(b.events[0].dir, EventDir::BtoA);
  EXPECT_EQ(b.events[0].error(), 32);
  EXPECT_EQ(b.events[0].peer, "127.0.0.1:9");
  EXPECT_EQ(b.edges, a.edges);
  EXPECT_EQ(b.stats.seccomp_stops, 42u);
}

TEST(TraceIo, BinaryRoundTrip) {
  auto path = std::filesystem::temp_directory_path() / "fissure-trace-io.bin";
  save_binary(sample(), path.string());
  expect_same(sample(), load_binary(path.string()));
  std::filesystem::remove(path);
}

TEST(TraceIo, JsonRoundTripUsesNames) {
  std::stringstream ss;
  write_json(sample(), ss);
  std::string text = ss.str();
  EXPECT_NE(text.find("\"sys\": \"sendmmsg\""), std::string::npos) << text;
  EXPECT_NE(text.find("\"kind\": \"unix-stream\""), std::string::npos);
  EXPECT_NE(text.find("\"dir\": \"b->a\""), std::string::npos);
  expect_same(sample(), read_json(ss));
}

TEST(TraceIo, CorruptFilesAreRefusedWithTheirName) {
  auto path = std::filesystem::temp_directory_path() / "fissure-trace-bad.bin";
  std::ofstream(path) << "definitely not a trace";
  try {
    load_binary(path.string());
    FAIL() << "accepted garbage";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("not a fissure trace"), std::string::npos) << e.what();
  }
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace fissure
