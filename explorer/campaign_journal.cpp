#include "campaign_journal.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cereal/archives/json.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

#include "fissure/tracer/tracer.hpp"

namespace fissure {

namespace {

// One line of journal.jsonl. JSON strings hold no raw newline (cereal escapes it), so the
// indentation's newlines are all there are to take out.
template <class Write>
std::string record(Write&& write) {
  std::ostringstream os;
  {
    cereal::JSONOutputArchive ar(os, cereal::JSONOutputArchive::Options::NoIndent());
    write(ar);
  }
  std::string s = os.str();
  s.erase(std::remove(s.begin(), s.end(), '\n'), s.end());
  s.push_back('\n');
  return s;
}

std::string run_record(const JournalEntry& e) {
  return record([&](cereal::JSONOutputArchive& ar) { ar(cereal::make_nvp("run", e)); });
}

std::string state_record(const Checkpoint& c) {
  return record([&](cereal::JSONOutputArchive& ar) {
    Checkpoint& s = const_cast<Checkpoint&>(c);  // cereal's serialize is not const
    ar.setNextName("state");
    ar.startNode();
    s.settings(ar);
    s.state(ar);
    ar(cereal::make_nvp("runs", static_cast<std::uint64_t>(c.journal.size())));
    ar.finishNode();
  });
}

// The journal's committed state and the length in bytes of its committed part.
struct Scan {
  Checkpoint state;
  std::uint64_t committed_bytes = 0;
  bool committed = false;  // a state record was read
};

Scan scan(const std::filesystem::path& file) {
  std::ifstream is(file, std::ios::binary);
  if (!is)
    throw RunError(fmt::format("{}: cannot open it: {}", file.string(), std::strerror(errno)));
  const std::string text((std::istreambuf_iterator<char>(is)), std::istreambuf_iterator<char>());
  Scan out;
  std::vector<JournalEntry> runs;  // read so far, committed or not
  std::size_t at = 0, line = 0;
  while (at < text.size()) {
    const std::size_t end = text.find('\n', at);
    if (end == std::string::npos) break;  // torn: the append it began was cut short
    ++line;
    std::istringstream in(text.substr(at, end - at));
    try {
      cereal::JSONInputArchive ar(in);
      const char* name = ar.getNodeName();
      if (name != nullptr && std::strcmp(name, "run") == 0) {
        JournalEntry e;
        ar(cereal::make_nvp("run", e));
        if (e.index != runs.size())
          throw RunError(fmt::format("{}:{}: run: index {} where run {} comes", file.string(), line,
                                     e.index, runs.size()));
        runs.push_back(std::move(e));
      } else if (name != nullptr && std::strcmp(name, "state") == 0) {
        Checkpoint c;
        std::uint64_t n = 0;
        ar.setNextName("state");
        ar.startNode();
        c.settings(ar);
        c.state(ar);
        ar(cereal::make_nvp("runs", n));
        ar.finishNode();
        if (n != runs.size())
          throw RunError(fmt::format("{}:{}: state: counts {} runs where {} come before it",
                                     file.string(), line, n, runs.size()));
        c.journal = runs;
        out.state = std::move(c);
        out.committed = true;
        out.committed_bytes = end + 1;
      } else {
        throw RunError(fmt::format("{}:{}: neither a run nor a state record", file.string(), line));
      }
    } catch (const cereal::Exception& e) {
      throw RunError(fmt::format("{}:{}: cannot read it ({})", file.string(), line, e.what()));
    }
    at = end + 1;
  }
  if (!out.committed)
    throw RunError(
        fmt::format("{}: no complete state record; the campaign was killed as it began, "
                    "start it again",
                    file.string()));
  return out;
}

Checkpoint read_snapshot(const std::filesystem::path& dir) {
  const auto file = dir / CampaignJournal::kSnapshot;
  std::ifstream is(file);
  if (!is)
    throw RunError(fmt::format("{}: no {} nor {}; is this a fissure campaign directory?",
                               dir.string(), CampaignJournal::kFile, CampaignJournal::kSnapshot));
  Checkpoint c;
  try {
    cereal::JSONInputArchive ar(is);
    ar(cereal::make_nvp("campaign", c));
  } catch (const cereal::Exception& e) {
    throw RunError(fmt::format(
        "{}: cannot read it ({}); a campaign written by an older fissure cannot be resumed",
        file.string(), e.what()));
  }
  return c;
}

}  // namespace

Checkpoint CampaignJournal::read(const std::filesystem::path& dir) {
  if (std::filesystem::exists(dir / kFile)) return scan(dir / kFile).state;
  return read_snapshot(dir);
}

CampaignJournal::CampaignJournal(const std::filesystem::path& dir, const Checkpoint& state)
    : file_(dir / kFile) {
  const bool existed = std::filesystem::exists(file_);
  std::uint64_t keep = existed ? scan(file_).committed_bytes : 0;
  fd_ = ::open(file_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0)
    throw RunError(fmt::format("{}: cannot open it: {}", file_.string(), std::strerror(errno)));
  if (existed) {
    if (::ftruncate(fd_, static_cast<off_t>(keep)) != 0)
      throw RunError(fmt::format("{}: cannot cut it after its last commit: {}", file_.string(),
                                 std::strerror(errno)));
    committed_runs_ = state.journal.size();
  } else {
    commit(state);
  }
}

CampaignJournal::~CampaignJournal() {
  if (fd_ >= 0) ::close(fd_);
}

void CampaignJournal::commit(const Checkpoint& state) {
  std::string bytes;
  for (std::size_t i = committed_runs_; i < state.journal.size(); ++i)
    bytes += run_record(state.journal[i]);
  bytes += state_record(state);
  append(bytes);
  committed_runs_ = state.journal.size();
}

void CampaignJournal::append(const std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      throw RunError(
          fmt::format("{}: cannot append to it: {}", file_.string(), std::strerror(errno)));
    done += static_cast<std::size_t>(n);
  }
}

void CampaignJournal::write_snapshot(const Checkpoint& state, const std::filesystem::path& dir) {
  auto tmp = dir / (std::string(kSnapshot) + ".tmp");
  {
    std::ofstream os(tmp);
    cereal::JSONOutputArchive ar(os);
    ar(cereal::make_nvp("campaign", state));
  }
  if (std::rename(tmp.c_str(), (dir / kSnapshot).c_str()) != 0)
    throw RunError(
        fmt::format("cannot write {}: {}", (dir / kSnapshot).string(), std::strerror(errno)));
}

}  // namespace fissure
