// A strategy's numbering of the points it has seen, across runs: a point is its name's
// number and its k, so a run's points (PointList rows) are numbered without comparing
// strings, once its table's names and rows are mapped (see PointList).
#pragma once

#include <cstdint>
#include <limits>
#include <functional>
#include <string>
#include <unordered_map>
#include <memory>
#include <utility>
#include <vector>

#include "fissure/model/point_list.hpp"

namespace fissure {

class PointIndex {
 public:
  static constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();

  // The point's id, and whether it is new.
  std::pair<std::uint32_t, bool> intern(const InjectionPoint& p);
  std::pair<std::uint32_t, bool> intern(std::uint32_t name, std::uint32_t k);
  std::uint32_t find(const InjectionPoint& p) const;  // kNone if never seen
  // The ids of a table's rows, interned: the last table asked for is kept, as a run's lists
  // share one. A row of k = 0 (no call) is interned too.
  const std::vector<std::uint32_t>& ids(const std::shared_ptr<PointTable>& table);

  const InjectionPoint& point(std::uint32_t id) const { return points_[id]; }
  std::uint32_t name_of(std::uint32_t id) const { return name_of_[id]; }
  const PointName& name(std::uint32_t n) const { return names_[n]; }
  std::size_t size() const { return points_.size(); }
  std::size_t names() const { return names_.size(); }

 private:
  std::uint32_t name_id(const PointName& n);
  struct NameHash {
    std::size_t operator()(const PointName& n) const {
      return std::hash<std::string>()(n.node) * 31 + std::hash<std::string>()(n.peer) * 7 +
             static_cast<std::size_t>(n.op);
    }
  };
  std::unordered_map<PointName, std::uint32_t, NameHash> name_index_;
  std::vector<PointName> names_;
  std::vector<std::vector<std::uint32_t>> by_k_;  // per name, by k: the id, or kNone
  std::vector<InjectionPoint> points_;
  std::vector<std::uint32_t> name_of_;
  std::shared_ptr<PointTable> table_;  // the last table mapped, held so no other takes its place
  std::vector<std::uint32_t> table_names_, table_ids_;
};

}  // namespace fissure
