// What a campaign calls a bug, as a user sees it in its listing, summary.json and report:
// unavailability and fissure's own crashes are none, and a failure no replay shows again is
// listed apart as flaky.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "cluster.hpp"

namespace fissure::testing {
namespace {

// Every crash plan over a server and a client that says "unavailable" when it gets no answer:
// the server's crashes are unavailability and the client's are fissure's own doing, so the
// campaign reports no bug (it reported "workload node 'client' was killed by signal 9").
TEST(Verdicts, ACrashCampaignReportsNoUnavailabilityAsABug) {
  ScratchDir dir;
  auto port = free_port();
  auto spec = dir.write(
      "target.toml",
      server_client_spec(
          "unavailable", {prog("tcp_server"), std::to_string(port)}, fmt::format("tcp:{}", port),
          {"sh", "-c", fmt::format("{} {} || echo server unavailable", prog("tcp_client"), port)}) +
          "[faults]\nkinds = [\"crash\"]\n");
  auto out = dir.path() / "c";
  CommandResult r = run_fissure(
      fmt::format("explore {} --strategy exhaustive --runs 20 --jobs 2 --replays 1 -o {}",
                  spec.string(), out.string()));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find("BUG"), std::string::npos) << r.output;
  EXPECT_NE(slurp(out / "summary.json").find("\"bugs\": []"), std::string::npos);
  // The campaign did crash both nodes, and the client did find the server gone.
  std::size_t client_crashes = 0, server_crashes = 0, unavailable = 0;
  for (const auto& run : std::filesystem::directory_iterator(out / "runs")) {
    std::string rec = slurp(run.path() / "run.json");
    client_crashes += rec.find("\"crash client") != std::string::npos;
    server_crashes += rec.find("\"crash server") != std::string::npos;
    unavailable += slurp(run.path() / "client.out").find("server unavailable") == 0;
  }
  EXPECT_GT(client_crashes, 0u);
  EXPECT_GT(server_crashes, 0u);
  EXPECT_GT(unavailable, 0u);
}

// A failure that only the first exploration run shows (the client fails in run 00003 and no
// other) reproduces in none of its replays: it is listed as flaky, with its rate.
TEST(Verdicts, ABugNoReplayShowsIsListedAsFlaky) {
  ScratchDir dir;
  auto port = free_port();
  auto spec = dir.write(
      "target.toml",
      server_client_spec("flaky", {prog("tcp_server"), std::to_string(port)},
                         fmt::format("tcp:{}", port),
                         {"sh", "-c",
                          fmt::format("case $RUN_DIR in */00003) echo only once >&2; exit 1;; "
                                      "esac; exec {} {}",
                                      prog("tcp_client"), port)}) +
          "[faults]\nkinds = [\"delay\"]\ndelays = [\"10ms\"]\n");
  auto out = dir.path() / "c";
  CommandResult r = run_fissure(
      fmt::format("explore {} --strategy exhaustive --runs 12 --jobs 1 --replays 2 -o {}",
                  spec.string(), out.string()));
  EXPECT_EQ(r.exit_code, 1) << "a failure was seen\n" << r.output;
  EXPECT_NE(r.output.find("FLAKY Safety: workload node 'client' exited with 1 (expected 0): only "
                          "once\n  found by exhaustive at run 4; reproduced 0/2 replays"),
            std::string::npos)
      << r.output;
  EXPECT_EQ(r.output.find("BUG "), std::string::npos) << r.output;
  std::string summary = slurp(out / "summary.json");
  EXPECT_NE(summary.find("\"flaky\": true"), std::string::npos) << summary;
  EXPECT_NE(summary.find("\"class\": \"safety\""), std::string::npos) << summary;
  EXPECT_NE(summary.find("\"title\": \"Safety: workload node 'client' exited with 1 (expected "
                         "0): only once\""),
            std::string::npos)
      << summary;
  EXPECT_NE(slurp(out / "report.md").find("## Flaky"), std::string::npos);
}

}  // namespace
}  // namespace fissure::testing
