#include "point_index.hpp"

namespace fissure {

std::uint32_t PointIndex::name_id(const PointName& n) {
  auto [it, fresh] = name_index_.try_emplace(n, static_cast<std::uint32_t>(names_.size()));
  if (fresh) {
    names_.push_back(n);
    by_k_.emplace_back();
  }
  return it->second;
}

std::pair<std::uint32_t, bool> PointIndex::intern(std::uint32_t name, std::uint32_t k) {
  auto& ids = by_k_[name];
  if (k >= ids.size()) ids.resize(static_cast<std::size_t>(k) + 1, kNone);
  if (ids[k] != kNone) return {ids[k], false};
  const PointName& n = names_[name];
  ids[k] = static_cast<std::uint32_t>(points_.size());
  points_.push_back({n.node, n.op, n.peer, k});
  name_of_.push_back(name);
  return {ids[k], true};
}

std::pair<std::uint32_t, bool> PointIndex::intern(const InjectionPoint& p) {
  return intern(name_id({p.node, p.op, p.peer}), p.k);
}

std::uint32_t PointIndex::find(const InjectionPoint& p) const {
  auto it = name_index_.find({p.node, p.op, p.peer});
  if (it == name_index_.end()) return kNone;
  const auto& ids = by_k_[it->second];
  return p.k < ids.size() ? ids[p.k] : kNone;
}

const std::vector<std::uint32_t>& PointIndex::ids(const std::shared_ptr<PointTable>& table) {
  if (table != table_) {
    // Runs of one campaign mostly name the same points in the same order: a name equal to
    // the last table's at the same place has its number, and is not looked up.
    std::vector<std::uint32_t> names;
    if (table) {
      names.reserve(table->names().size());
      for (std::size_t n = 0; n < table->names().size(); ++n)
        names.push_back(table_ && n < table_names_.size() && table_->names()[n] == table->names()[n]
                            ? table_names_[n]
                            : name_id(table->names()[n]));
    }
    table_ = table;
    table_names_ = std::move(names);
    table_ids_.clear();
  }
  if (!table) return table_ids_;
  for (std::size_t n = table_names_.size(); n < table->names().size(); ++n)
    table_names_.push_back(name_id(table->names()[n]));
  for (std::size_t r = table_ids_.size(); r < table->rows(); ++r) {
    const auto row = static_cast<std::uint32_t>(r);
    table_ids_.push_back(intern(table_names_[table->name_of(row)], table->k_of(row)).first);
  }
  return table_ids_;
}

}  // namespace fissure
