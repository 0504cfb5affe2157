#include "campaign_journal.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "cluster.hpp"
#include "fissure/tracer/tracer.hpp"

namespace fissure::testing {
namespace {

namespace fs = std::filesystem;

Checkpoint first_state() {
  Checkpoint c;
  c.spec = "/targets/t/target.toml";
  c.strategy = "random";
  c.seed = 7;
  c.runs_budget = 40;
  c.jobs = 2;
  c.baseline = 3;
  c.replays = 2;
  return c;
}

void add_runs(Checkpoint& c, std::size_t n, std::uint64_t batch) {
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t index = c.journal.size();
    c.journal.push_back({index, batch, "/c/runs/" + std::to_string(index), "good", "random",
                         JournalEntry::kBatchStart});
  }
}

void truncate_to(const fs::path& file, std::uintmax_t size) {
  fs::resize_file(file, size);
}

// Three commits, then the file cut at every byte of the last one: each cut reads as the second
// commit left the campaign (a kill -9 in the middle of the third append), and taking the
// journal over cuts the torn tail off so that the next commit follows the second.
TEST(CampaignJournal, ATornLastCommitIsDroppedWhereverItIsCut) {
  ScratchDir dir;
  const fs::path file = dir.path() / CampaignJournal::kFile;
  Checkpoint c = first_state();
  std::uintmax_t after_second = 0;
  {
    CampaignJournal journal(dir.path(), c);
    add_runs(c, 3, 0);
    journal.commit(c);
    add_runs(c, 4, 1);
    c.next_batch = 2;
    c.bugs.push_back({});
    c.bugs[0].symptom = "bug: client exited with #";
    c.bugs[0].replays = 1;
    journal.commit(c);
    after_second = fs::file_size(file);
    add_runs(c, 4, 2);
    c.next_batch = 3;
    c.bugs[0].replays = 2;
    c.bugs[0].reproduced = 1;
    journal.commit(c);
  }
  const std::uintmax_t whole = fs::file_size(file);
  ASSERT_GT(whole, after_second);
  Checkpoint read = CampaignJournal::read(dir.path());
  EXPECT_EQ(read.journal.size(), 11u);
  EXPECT_EQ(read.next_batch, 3u);
  ASSERT_EQ(read.bugs.size(), 1u);
  EXPECT_EQ(read.bugs[0].replays, 2u);
  EXPECT_EQ(read.bugs[0].reproduced, 1u);
  EXPECT_EQ(read.journal[10].dir, "/c/runs/10");
  EXPECT_EQ(read.journal[10].batch, 2u);

  const std::string bytes = slurp(file);
  for (std::uintmax_t cut = after_second; cut < whole; ++cut) {
    {
      std::ofstream os(file, std::ios::binary | std::ios::trunc);
      os.write(bytes.data(), static_cast<std::streamsize>(cut));
    }
    Checkpoint torn = CampaignJournal::read(dir.path());
    ASSERT_EQ(torn.journal.size(), 7u) << "cut at byte " << cut;
    EXPECT_EQ(torn.next_batch, 2u) << cut;
    ASSERT_EQ(torn.bugs.size(), 1u) << cut;
    EXPECT_EQ(torn.bugs[0].replays, 1u) << cut;
    EXPECT_EQ(torn.bugs[0].reproduced, 0u) << cut;
  }

  // Resumed from the cut: the torn tail goes, the next commit reads back whole.
  truncate_to(file, after_second + (whole - after_second) / 2);
  Checkpoint resumed = CampaignJournal::read(dir.path());
  {
    CampaignJournal journal(dir.path(), resumed);
    EXPECT_EQ(fs::file_size(file), after_second);
    add_runs(resumed, 2, 2);
    journal.commit(resumed);
  }
  Checkpoint after = CampaignJournal::read(dir.path());
  ASSERT_EQ(after.journal.size(), 9u);
  for (std::size_t i = 0; i < after.journal.size(); ++i) EXPECT_EQ(after.journal[i].index, i);
  EXPECT_EQ(after.journal[8].dir, "/c/runs/8");
}

// A journal in `dir` whose one commit holds runs 0 and 1.
void commit_two_runs(const ScratchDir& dir) {
  Checkpoint c = first_state();
  CampaignJournal journal(dir.path(), c);
  add_runs(c, 2, 0);
  journal.commit(c);
}

// Runs appended by a commit that never wrote its state record were not committed.
TEST(CampaignJournal, RunsAfterTheLastStateRecordAreNotCommitted) {
  ScratchDir dir;
  commit_two_runs(dir);
  std::ofstream(dir.path() / CampaignJournal::kFile, std::ios::app)
      << R"({"run": {"index": 2,"batch": 1,"dir": "/c/runs/2","verdict": "good","proposer": "random","observed": 2}})"
      << "\n";
  EXPECT_EQ(CampaignJournal::read(dir.path()).journal.size(), 2u);
}

TEST(CampaignJournal, ACorruptCommittedRecordIsAnErrorNamingItsLine) {
  ScratchDir dir;
  commit_two_runs(dir);
  const fs::path file = dir.path() / CampaignJournal::kFile;
  std::string text = slurp(file);
  // Line 3 is the second run record of the commit: its index made wrong.
  const auto at = text.find("\"index\": 1,");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 11, "\"index\": 5,");
  std::ofstream(file, std::ios::binary | std::ios::trunc) << text;
  try {
    CampaignJournal::read(dir.path());
    FAIL() << "read a journal whose runs skip from 0 to 5";
  } catch (const RunError& e) {
    EXPECT_NE(std::string(e.what()).find("journal.jsonl:3: run: index 5 where run 1 comes"),
              std::string::npos)
        << e.what();
  }
}

// A campaign an older fissure made has only checkpoint.json (here one from before batches were
// proposed ahead: no "observed"); it is read, and taking it over writes its journal.
TEST(CampaignJournal, ReadsAnOlderCampaignsCheckpointAndGoesOnInAJournal) {
  ScratchDir dir;
  dir.write(CampaignJournal::kSnapshot, R"({
    "campaign": {
        "spec": "/targets/t/target.toml", "strategy": "random", "seed": 7, "runs_budget": 40,
        "next_batch": 2, "jobs": 2, "baseline": 1, "replays": 2, "isolate": true,
        "keep_all": false,
        "journal": [
            {"index": 0, "batch": 0, "dir": "/c/runs/00000", "verdict": "good", "proposer": ""},
            {"index": 1, "batch": 1, "dir": "/c/runs/00001", "verdict": "bug",
             "proposer": "random"}
        ],
        "bugs": [],
        "certified_at": 0
    }
})");
  Checkpoint old = CampaignJournal::read(dir.path());
  ASSERT_EQ(old.journal.size(), 2u);
  EXPECT_EQ(old.journal[1].verdict, "bug");
  EXPECT_EQ(old.journal[1].observed, JournalEntry::kBatchStart);
  EXPECT_EQ(old.next_batch, 2u);
  { CampaignJournal journal(dir.path(), old); }
  ASSERT_TRUE(fs::exists(dir.path() / CampaignJournal::kFile));
  fs::remove(dir.path() / CampaignJournal::kSnapshot);
  Checkpoint again = CampaignJournal::read(dir.path());
  ASSERT_EQ(again.journal.size(), 2u);
  EXPECT_EQ(again.journal[1].dir, "/c/runs/00001");
  EXPECT_EQ(again.journal[1].proposer, "random");
  EXPECT_EQ(again.spec, "/targets/t/target.toml");
  EXPECT_EQ(again.runs_budget, 40u);
}

}  // namespace
}  // namespace fissure::testing
