// A campaign's checkpoint as an append-only log, journal.jsonl, so that committing a batch
// costs what the batch added rather than the whole campaign so far (rewriting checkpoint.json
// after every batch was quadratic in runs).
//
// One JSON object a line: {"run": JournalEntry} for each completed run, in order, and after
// the runs of each commit {"state": settings, bugs, certified_at, runs}, where `runs` counts
// the run records before it. The last complete state record is the campaign's state; run
// records after it, and a last line without its newline (a kill -9 in the middle of an
// append), were never committed and are dropped, as runs after the last checkpoint always
// were: a resumed campaign takes those runs again if they completed, else makes them.
//
// checkpoint.json, the whole state in one object as older fissures wrote it, is still written
// when an invocation starts and when it ends, for older --resume paths and for readers of its
// settings; journal.jsonl, when present, is what a resume reads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "checkpoint.hpp"

namespace fissure {

class CampaignJournal {
 public:
  static constexpr const char* kFile = "journal.jsonl";
  static constexpr const char* kSnapshot = "checkpoint.json";

  // The campaign in `dir` as its last commit left it: from journal.jsonl, or from the
  // checkpoint.json of a campaign an older fissure made. Throws RunError naming the file and
  // line of a record it cannot read.
  static Checkpoint read(const std::filesystem::path& dir);

  // Takes over `dir`'s journal for appending, `state` being what read() returned (or a new
  // campaign's first state): what follows the last commit is cut off first. A campaign with no
  // journal.jsonl (new, or made by an older fissure) gets one holding `state` whole.
  CampaignJournal(const std::filesystem::path& dir, const Checkpoint& state);
  ~CampaignJournal();
  CampaignJournal(const CampaignJournal&) = delete;
  CampaignJournal& operator=(const CampaignJournal&) = delete;

  // Appends the runs journaled since the last commit and the state after them, in one write.
  void commit(const Checkpoint& state);

  // checkpoint.json, written whole (atomically, through a rename).
  static void write_snapshot(const Checkpoint& state, const std::filesystem::path& dir);

 private:
  void append(const std::string& bytes);

  std::filesystem::path file_;
  int fd_ = -1;
  std::size_t committed_runs_ = 0;
};

}  // namespace fissure
