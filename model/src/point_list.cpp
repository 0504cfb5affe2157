#include "fissure/model/point_list.hpp"

#include <algorithm>

namespace fissure {

std::uint32_t PointTable::add_name(PointName n) {
  names_.push_back(std::move(n));
  return static_cast<std::uint32_t>(names_.size() - 1);
}

std::uint32_t PointTable::add_row(std::uint32_t name, std::uint32_t k) {
  rows_.emplace_back(name, k);
  return static_cast<std::uint32_t>(rows_.size() - 1);
}

std::uint32_t PointTable::row(const InjectionPoint& p) {
  for (; names_indexed_ < names_.size(); ++names_indexed_)
    name_index_.try_emplace(names_[names_indexed_], static_cast<std::uint32_t>(names_indexed_));
  for (; indexed_ < rows_.size(); ++indexed_)
    row_index_.try_emplace(rows_[indexed_], static_cast<std::uint32_t>(indexed_));
  PointName n{p.node, p.op, p.peer};
  auto [at, fresh_name] = name_index_.try_emplace(n, static_cast<std::uint32_t>(names_.size()));
  if (fresh_name) {
    names_.push_back(std::move(n));
    names_indexed_ = names_.size();
  }
  const std::uint32_t name = at->second;
  auto [it, fresh] = row_index_.try_emplace({name, p.k}, static_cast<std::uint32_t>(rows_.size()));
  if (fresh) {
    rows_.emplace_back(name, p.k);
    indexed_ = rows_.size();
  }
  return it->second;
}

InjectionPoint PointTable::point(std::uint32_t row) const {
  const auto& [name, k] = rows_.at(row);
  const PointName& n = names_.at(name);
  return {n.node, n.op, n.peer, k};
}

PointList::PointList(std::initializer_list<InjectionPoint> points) {
  for (const auto& p : points) push_back(p);
}

PointList::PointList(const std::vector<InjectionPoint>& points) {
  for (const auto& p : points) push_back(p);
}

PointTable& PointList::own_table() {
  if (!table_) table_ = std::make_shared<PointTable>();
  return *table_;
}

void PointList::push_back(const InjectionPoint& p) {
  rows_.push_back(own_table().row(p));
}

bool PointList::contains(const InjectionPoint& p) const {
  return std::any_of(begin(), end(), [&](const InjectionPoint& q) { return q == p; });
}

std::vector<InjectionPoint> PointList::to_vector() const {
  return {begin(), end()};
}

bool operator==(const PointList& a, const PointList& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

}  // namespace fissure
