// LDFI is never certified wrongly by a threaded server whose answer depends, through memory
// its threads share, on a message another thread received (tests/progs/shared_state.cpp).
// The answer's dialog lineage holds only the client's request and the reply; the message
// that decides the reply's content is in its sound lineage alone. A search over the dialog
// lineage would cut the request or the reply (the client then gets no answer, which is no
// wrong answer), run out of hypotheses and certify; dropping the source's value makes the
// server answer "-", which the client calls a wrong answer.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "cluster.hpp"

namespace fissure::testing {
namespace {

TEST(SoundLineage, ThreadedServersSharedStateIsNeverCertifiedWrongly) {
  ScratchDir dir;
  const auto feed = free_port(), serve = free_port();
  const std::string p = prog("shared_state");
  auto spec = dir.write("target.toml", fmt::format(R"(name = "shared-state"
timeout = "10s"

[[node]]
name = "server"
cmd = ["{0}", "server", "{1}", "{2}"]
ready = "tcp:{2}"

[[node]]
name = "source"
cmd = ["{0}", "source", "{1}"]

[[node]]
name = "client"
role = "workload"
cmd = ["{0}", "client", "{2}"]

[oracle]
workload_exit = 0

[faults]
kinds = ["drop"]
nodes = ["server", "source"]
max = 1
)",
                                                   p, feed, serve));
  const auto out = dir.path() / "c";
  CommandResult r = run_fissure(fmt::format(
      "explore {} --strategy ldfi --runs 30 --jobs 1 --replays 1 --until-answer -o {}",
      spec.string(), out.string()));
  EXPECT_EQ(r.exit_code, 1) << "a bug, not a certificate\n" << r.output;
  const std::string summary = slurp(out / "summary.json");
  EXPECT_NE(summary.find("\"certified\": false"), std::string::npos) << summary;
  // The fault that found it is on the value's way: the source's send or the server's
  // receive of it, not on the client's own dialog with the server.
  const auto plan = summary.find("\"plan\": "), plan_end = summary.find("\"plan_id\"", plan);
  ASSERT_NE(plan, std::string::npos) << summary;
  EXPECT_NE(summary.substr(plan, plan_end - plan).find("source"), std::string::npos) << summary;
}

}  // namespace
}  // namespace fissure::testing
