// Injection points in order, each a row of a table that the lists of one run share, the
// points' names (node, op, peer) numbered once. A run of redis-replication passes 31,000
// points over about 100 names, and its outcomes' lineages name 200,000 more (mostly the same
// points again); a campaign's coordinator takes in every run's. As strings, decoding one run
// and interning its points took most of the 6 ms the coordinator spent on it; as rows, a
// strategy maps a run's table to its own ids once and reads the lists as integers.
#pragma once

#include <compare>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "fissure/tracer/faults.hpp"

namespace fissure {

struct PointName {
  std::string node;
  OpClass op = OpClass::Send;
  std::string peer;
  auto operator<=>(const PointName&) const = default;
};

// The distinct points of one run: rows of (name, k).
class PointTable {
 public:
  // A name or a row as given, even if an equal one is numbered already (a decoder numbers
  // them as its file does); row() finds the first of equals.
  std::uint32_t add_name(PointName n);
  std::uint32_t add_row(std::uint32_t name, std::uint32_t k);
  std::uint32_t row(const InjectionPoint& p);    // the point's row, added if new
  InjectionPoint point(std::uint32_t row) const;
  const std::vector<PointName>& names() const { return names_; }
  std::uint32_t name_of(std::uint32_t row) const { return rows_[row].first; }
  std::uint32_t k_of(std::uint32_t row) const { return rows_[row].second; }
  std::size_t rows() const { return rows_.size(); }
  void reserve(std::size_t rows) { rows_.reserve(rows); }

 private:
  std::vector<PointName> names_;
  std::map<PointName, std::uint32_t> name_index_;
  std::size_t names_indexed_ = 0;  // names_ entered in name_index_
  std::vector<std::pair<std::uint32_t, std::uint32_t>> rows_;
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::uint32_t> row_index_;
  std::size_t indexed_ = 0;  // rows_ entered in row_index_
};

class PointList {
 public:
  PointList() = default;
  explicit PointList(std::shared_ptr<PointTable> table) : table_(std::move(table)) {}
  PointList(std::shared_ptr<PointTable> table, std::vector<std::uint32_t> rows)
      : table_(std::move(table)), rows_(std::move(rows)) {}
  PointList(std::initializer_list<InjectionPoint> points);
  PointList(const std::vector<InjectionPoint>& points);  // NOLINT: a list is its points

  void push_back(const InjectionPoint& p);
  void push_row(std::uint32_t row) { rows_.push_back(row); }
  std::size_t size() const { return rows_.size(); }
  bool empty() const { return rows_.empty(); }
  void clear() { rows_.clear(); }
  void reserve(std::size_t n) { rows_.reserve(n); }
  InjectionPoint operator[](std::size_t i) const { return table_->point(rows_[i]); }
  bool contains(const InjectionPoint& p) const;
  std::vector<InjectionPoint> to_vector() const;

  const std::vector<std::uint32_t>& rows() const { return rows_; }
  // The table the rows index; shared with the other lists of the run. Never null once a
  // point was added.
  const std::shared_ptr<PointTable>& table() const { return table_; }

  class const_iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = InjectionPoint;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = InjectionPoint;
    const_iterator() = default;
    const_iterator(const PointList* l, std::size_t i) : l_(l), i_(i) {}
    InjectionPoint operator*() const { return (*l_)[i_]; }
    const_iterator& operator++() {
      ++i_;
      return *this;
    }
    const_iterator operator++(int) { return {l_, i_++}; }
    bool operator==(const const_iterator& o) const { return i_ == o.i_; }

   private:
    const PointList* l_ = nullptr;
    std::size_t i_ = 0;
  };
  const_iterator begin() const { return {this, 0}; }
  const_iterator end() const { return {this, rows_.size()}; }

  friend bool operator==(const PointList& a, const PointList& b);

 private:
  PointTable& own_table();  // made on the first point
  std::shared_ptr<PointTable> table_;
  std::vector<std::uint32_t> rows_;
};

}  // namespace fissure
