#include "observation_store.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cereal/archives/binary.hpp>
#include <cereal/types/array.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/utility.hpp>
#include <cereal/types/vector.hpp>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "fissure/model/outcome_lineage.hpp"
#include "fissure/model/pattern.hpp"

namespace fissure {

namespace {

// What the strategy is told of a run, kept beside it in observation.bin (cereal binary), so
// that a resumed campaign can tell the strategy again without the run's whole trace. Points
// are numbered once as (node, op, peer) names, then as rows (name, k) of one table that the
// run's points and its outcomes' lineages index.
// Format 2 added the outcomes' lineages and the faults that did not fire; format 1 files
// (before them) are refused with both numbers, as their campaigns cannot be resumed.
// Format 3 lists the run's points as rows of the table too (format 2 gave each its own name
// and k, so a decoder made 62,000 rows of a redis-replication run's 31,000 points, and a
// strategy numbered them all), and keeps the table as two columns, each read in one piece.
// Format 2 is still read.
constexpr std::uint32_t kObservationMagic = 0x424f5346;  // "FSOB"
constexpr std::uint32_t kObservationFormat = 3;
constexpr std::uint32_t kOldestObservationFormat = 2;

using Rows = std::vector<std::uint32_t>;

struct StoredOutcome {
  std::string key, node;
  bool reached = true;
  Rows precise, sound;  // rows of StoredObservation's table
  template <class A>
  void serialize(A& ar) {
    ar(key, node, reached, precise, sound);
  }
};

struct StoredObservation {
  std::uint32_t magic = kObservationMagic, format = kObservationFormat;
  std::string verdict, signature;
  std::vector<std::array<std::string, 3>> names;  // node, op, peer
  Rows table_names, table_ks;  // the table: row r is (table_names[r], table_ks[r])
  Rows points;                 // the run's points in order, rows of the table (format 3)
  Rows name_of, k;             // the run's points in order, by name and k (format 2)
  std::vector<StoredOutcome> outcomes;
  std::vector<std::uint64_t> unreached;
  Rows datagram_receives;  // rows of the table

  template <class A>
  void save(A& ar) const {
    ar(magic, format, verdict, signature, names, table_names, table_ks, points, outcomes, unreached,
       datagram_receives);
  }

  template <class A>
  void load(A& ar) {
    ar(magic, format);
    if (magic != kObservationMagic || format < kOldestObservationFormat ||
        format > kObservationFormat)
      return;
    if (format == 3) {
      ar(verdict, signature, names, table_names, table_ks, points, outcomes, unreached,
         datagram_receives);
      return;
    }
    std::vector<std::pair<std::uint32_t, std::uint32_t>> table;
    ar(verdict, signature, names, name_of, k, table, outcomes, unreached, datagram_receives);
    for (auto [name, kk] : table) {
      table_names.push_back(name);
      table_ks.push_back(kk);
    }
  }
};

}  // namespace

Observation observation_of(const FaultPlan& plan, const RunResult& r,
                           const std::vector<std::string>& expected_keys) {
  Observation o{plan, r.verdict.kind, {}, {}, outcome_lineages(r.trace), r.unreached, {}};
  o.signature = coverage_signature(r.trace, to_string(r.verdict.kind));
  // One table for the run's points and its lineages' (whose points are among them).
  auto table = o.outcomes.empty() ? std::make_shared<PointTable>() : o.outcomes[0].precise.table();
  if (!table) table = std::make_shared<PointTable>();
  o.points = PointList(table);
  o.datagram_receives = PointList(table);
  std::set<InjectionPoint> dgram;
  for (const Event& e : r.trace.events) {
    if (e.point.empty()) continue;
    o.points.push_back(e.point);
    if (e.point.op == OpClass::Recv && e.channel >= 0 &&
        static_cast<std::size_t>(e.channel) < r.trace.channels.size()) {
      ChannelKind k = r.trace.channels[static_cast<std::size_t>(e.channel)].kind;
      if (k == ChannelKind::Udp || k == ChannelKind::UnixDgram) dgram.insert(e.point);
    }
  }
  for (const auto& p : dgram) o.datagram_receives.push_back(p);
  for (const auto& key : expected_keys)
    if (std::none_of(o.outcomes.begin(), o.outcomes.end(),
                     [&](const OutcomeLineage& l) { return l.key == key; }))
      o.outcomes.push_back({key, "", false, {}, {}});
  return o;
}

std::string encode_observation(const Observation& o) {
  StoredObservation s;
  s.verdict = to_string(o.verdict);  // by name, as observation.bin always had it
  s.signature = o.signature;
  // Each list's table read once: its names, then its rows, numbered in the file's terms.
  std::map<std::array<std::string, 3>, std::uint32_t> numbered;
  std::map<const PointTable*, std::vector<std::uint32_t>> names_of;
  auto stored_names = [&](const PointTable& t) -> const std::vector<std::uint32_t>& {
    auto& out = names_of[&t];
    for (std::size_t n = out.size(); n < t.names().size(); ++n) {
      const PointName& pn = t.names()[n];
      std::array<std::string, 3> name{pn.node, std::string(to_string(pn.op)), pn.peer};
      auto [it, fresh] = numbered.try_emplace(name, static_cast<std::uint32_t>(s.names.size()));
      if (fresh) s.names.push_back(name);
      out.push_back(it->second);
    }
    return out;
  };
  // A distinct point is one row of the file's table; its rows in the lists' tables are
  // looked up by name and k only when a table is first met, then by row. The lineages come
  // first and the run's points last, as format 2 had its rows: a strategy numbers points in
  // the order a table's rows come, and the order breaks its ties.
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::uint32_t> row;
  std::map<const PointTable*, std::vector<std::uint32_t>> rows_of;
  constexpr std::uint32_t kUnset = std::numeric_limits<std::uint32_t>::max();
  auto index = [&](const PointList& points) {
    std::vector<std::uint32_t> out;
    out.reserve(points.size());
    if (points.empty()) return out;
    const PointTable& t = *points.table();
    auto& mine = rows_of[&t];
    mine.resize(t.rows(), kUnset);
    for (std::uint32_t r : points.rows()) {
      if (mine[r] == kUnset) {
        auto key = std::make_pair(stored_names(t)[t.name_of(r)], t.k_of(r));
        auto [it, fresh] = row.try_emplace(key, static_cast<std::uint32_t>(s.table_names.size()));
        if (fresh) {
          s.table_names.push_back(key.first);
          s.table_ks.push_back(key.second);
        }
        mine[r] = it->second;
      }
      out.push_back(mine[r]);
    }
    return out;
  };
  for (const auto& l : o.outcomes)
    s.outcomes.push_back({l.key, l.node, l.reached, index(l.precise), index(l.sound)});
  for (std::size_t i : o.unreached) s.unreached.push_back(i);
  s.datagram_receives = index(o.datagram_receives);
  s.points = index(o.points);
  std::ostringstream os(std::ios::binary);
  {
    cereal::BinaryOutputArchive ar(os);
    ar(s);
  }
  return os.str();
}

void save_observation_bytes(const std::string& bytes, const std::filesystem::path& dir) {
  auto tmp = dir / (std::string(kObservationFile) + ".tmp");
  {
    std::ofstream os(tmp, std::ios::binary | std::ios::trunc);
    os.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!os) throw RunError(fmt::format("cannot write {}", tmp.string()));
  }
  std::filesystem::rename(tmp, dir / kObservationFile);
}

void save_observation(const Observation& o, const std::filesystem::path& dir) {
  save_observation_bytes(encode_observation(o), dir);
}

Observation load_observation(const FaultPlan& plan, const std::filesystem::path& dir) {
  const auto file = dir / kObservationFile;
  std::ifstream is(file, std::ios::binary);
  if (!is)
    throw RunError(fmt::format("{}: no {}; was the run kept by an older fissure?", dir.string(),
                               kObservationFile));
  std::string bytes((std::istreambuf_iterator<char>(is)), std::istreambuf_iterator<char>());
  return decode_observation(plan, bytes, file.string());
}

Observation decode_observation(const FaultPlan& plan, const std::string& bytes,
                               const std::string& file) {
  // Read in place: an istringstream copies the 50 KB first.
  struct InPlace : std::streambuf {
    explicit InPlace(const std::string& b) {
      char* p = const_cast<char*>(b.data());  // read only: a get area needs char*
      setg(p, p, p + b.size());
    }
  } buffer(bytes);
  std::istream is(&buffer);
  StoredObservation s;
  try {
    cereal::BinaryInputArchive ar(is);
    ar(s);
  } catch (const cereal::Exception& e) {
    throw RunError(fmt::format("{}: truncated or corrupt ({})", file, e.what()));
  }
  if (s.magic != kObservationMagic || s.format < kOldestObservationFormat ||
      s.format > kObservationFormat)
    throw RunError(fmt::format(
        "{}: observation format {} (this fissure reads formats {} to {}); a campaign from "
        "another fissure cannot be resumed",
        file, s.magic == kObservationMagic ? s.format : 1, kOldestObservationFormat,
        kObservationFormat));
  if (s.table_ks.size() != s.table_names.size())
    throw RunError(fmt::format("{}: corrupt point table", file));
  // Into one table the lists share, as rows of the file's numbers. Nothing is looked up by
  // name: a coordinator decodes every run's observation.
  auto table = std::make_shared<PointTable>();
  const std::size_t rows = s.table_names.size();
  table->reserve(rows + s.name_of.size());
  for (std::size_t n = 0; n < s.names.size(); ++n) {
    auto op = op_class_from_string(s.names[n][1]);
    if (!op) throw RunError(fmt::format("{}: corrupt point name {}", file, n));
    table->add_name({s.names[n][0], *op, s.names[n][2]});
  }
  for (std::size_t r = 0; r < rows; ++r) {
    if (s.table_names[r] >= s.names.size())
      throw RunError(fmt::format("{}: corrupt point {}", file, r));
    table->add_row(s.table_names[r], s.table_ks[r]);
  }
  auto verdict = verdict_kind_from_string(s.verdict);
  if (!verdict) throw RunError(fmt::format("{}: verdict {:?}", file, s.verdict));
  auto points = [&](std::vector<std::uint32_t>& list, const char* what) {
    if (!list.empty() && *std::max_element(list.begin(), list.end()) >= rows)
      throw RunError(fmt::format("{}: corrupt {}", file, what));
    return PointList(table, std::move(list));
  };
  Observation o{plan, *verdict, points(s.points, "points"), s.signature, {}, {}, PointList(table)};
  // Format 2: each point by its name and k, a row of its own after the table's.
  o.points.reserve(std::min(s.name_of.size(), s.k.size()));
  for (std::size_t i = 0; i < s.name_of.size() && i < s.k.size(); ++i) {
    if (s.name_of[i] >= s.names.size())
      throw RunError(fmt::format("{}: corrupt point {}", file, i));
    o.points.push_row(table->add_row(s.name_of[i], s.k[i]));
  }
  for (auto& so : s.outcomes)
    o.outcomes.push_back(
        {so.key, so.node, so.reached, points(so.precise, "outcome"), points(so.sound, "outcome")});
  for (auto i : s.unreached) o.unreached.push_back(static_cast<std::size_t>(i));
  o.datagram_receives = points(s.datagram_receives, "datagram receives");
  return o;
}
}  // namespace fissure
