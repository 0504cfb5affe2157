#include "space_time_diagram.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <limits>
#include <map>
#include <optional>
#include <regex>
#include <tuple>

#include "fissure/checker/xml_escape.hpp"
#include "fissure/model/graph.hpp"
#include "fissure/model/lineage.hpp"
#include "fissure/model/payload_text.hpp"
#include "plan_description.hpp"

namespace fissure {
namespace {

// "client answer #3" reads as "client's 3rd answer"; other keys stay as they are.
std::string outcome_words(const std::string& key) {
  static const std::regex answer(R"((\S+) answer #(\d+))");
  std::smatch m;
  if (std::regex_match(key, m, answer))
    return fmt::format("{}'s {} answer", m[1].str(),
                       PlanDescription::ordinal(static_cast<std::uint32_t>(std::stoul(m[2]))));
  return key;
}

std::uint64_t workload_end(const Trace& t) {
  std::uint64_t end = 0;
  for (const NodeRecord& n : t.nodes)
    if (n.workload) end = std::max(end, n.end_ns);
  return end ? end : (t.end_ns ? t.end_ns : std::numeric_limits<std::uint64_t>::max());
}

// At most n bytes, cut where a UTF-8 character starts, with "..." when cut.
std::string clip(const std::string& s, std::size_t n) {
  if (s.size() <= n) return s;
  std::size_t at = n;
  while (at > 0 && (static_cast<unsigned char>(s[at]) & 0xC0) == 0x80) --at;
  return s.substr(0, at) + "...";
}

std::string event_words(const Trace& t, const Event& e, std::uint64_t start) {
  std::string s = fmt::format("{} {} at {:.3f} ms", t.nodes.at(e.node).name, to_string(e.sys),
                              (static_cast<double>(e.time_ns) - static_cast<double>(start)) / 1e6);
  if (e.moved > 0) s += fmt::format(", {} bytes", e.moved);
  if (e.result < 0) s += fmt::format(", failed with {}", errno_name(e.error()));
  return s;
}

// A label's width in the SVG's units at its font size 10, over rather than under: DejaVu
// Sans, Debian's sans-serif, is about 6 units a character in such text.
int label_width(const std::string& text) {
  return static_cast<int>(static_cast<double>(text.size()) * 6.2) + 1;
}

// When an event is drawn: a receive when its call returned, since a blocking read enters
// long before its bytes come (a replica's read entered before the workload started showed as
// "-187.9 ms" at the top); other calls when they were made.
std::uint64_t drawn_ns(const Event& e) {
  return e.point.op == OpClass::Recv ? std::max(e.time_ns, e.end_ns) : e.time_ns;
}

// Where an endpoint sits in time: (time, order among equal times, tie-break); missing
// messages sit just after the run's event they follow.
using Key = std::tuple<std::uint64_t, std::uint64_t, std::uint64_t>;

}  // namespace

struct SpaceTimeDiagram::Item {
  enum Kind { Message, Missing, Fault } kind = Message;
  std::uint32_t from = 0, to = 0;  // lanes
  // Threads within the lanes (threads_ order), for unfolding; a missing message is drawn at
  // the threads that used its channel in this run (TraceDiff), else at its nodes' first.
  std::uint32_t from_thread = 0, to_thread = 0;
  Key k0{}, k1{};
  std::size_t row0 = 0, row1 = 0;
  std::string label, title;
  bool lineage = false, unread = false;
};

namespace {

// Rows kept against a budget in which a run of rows left out costs one row too (its "n
// messages not shown" line). Rows before `split` (the first fault) have a budget of their
// own, so that what led up to the fault cannot push it off the diagram's first screen.
class RowBudget {
 public:
  RowBudget(std::size_t rows, std::size_t split, std::size_t before, std::size_t total)
      : keep_(rows, false),
        split_(split),
        before_(static_cast<std::ptrdiff_t>(before)),
        total_(static_cast<std::ptrdiff_t>(total)) {
    // The split row is kept from the start, so no run of rows left out spans both sides.
    keep_[split] = true;
    used_ = {split > 0 ? 1 : 0, split + 1 < rows ? 2 : 1};
  }
  // Keeps rows a and b if both fit; all or nothing.
  bool take(std::size_t a, std::size_t b) {
    const auto saved = used_;
    const bool ka = keep_[a], kb = keep_[b];
    add(a);
    add(b);
    if (used_[0] <= before_ && used_[0] + used_[1] <= total_) return true;
    keep_[a] = ka, keep_[b] = kb, used_ = saved;
    return false;
  }
  std::vector<bool> kept() && { return std::move(keep_); }

 private:
  void add(std::size_t r) {
    if (keep_[r]) return;
    const bool left_out_before = r > 0 && !keep_[r - 1];
    const bool left_out_after = r + 1 < keep_.size() && !keep_[r + 1];
    keep_[r] = true;
    // The run of rows left out that held r splits in two, shrinks, or goes.
    used_[r < split_ ? 0 : 1] += 1 + (left_out_before && left_out_after ? 1 : 0) -
                                 (!left_out_before && !left_out_after ? 1 : 0);
  }
  std::vector<bool> keep_;
  std::size_t split_;
  std::ptrdiff_t before_, total_;
  std::array<std::ptrdiff_t, 2> used_{};
};

}  // namespace

std::optional<std::size_t> SpaceTimeDiagram::split_row(const std::vector<Item>& items) {
  std::optional<std::size_t> split;
  for (const Item& it : items)
    if (it.kind == Item::Fault && (!split || it.row0 < *split)) split = it.row0;
  if (!split)
    for (const Item& it : items)
      if (it.kind == Item::Missing && (!split || it.row0 < *split)) split = it.row0;
  return split;
}

std::vector<bool> SpaceTimeDiagram::choose_rows(const std::vector<Item>& items, std::size_t rows) {
  const std::size_t f = split_row(items).value_or(0);
  auto distance = [&](std::size_t i) {
    return items[i].row0 > f ? items[i].row0 - f : f - items[i].row0;
  };
  auto by_time = [&](std::size_t a, std::size_t b) { return items[a].row0 < items[b].row0; };
  auto by_distance = [&](std::size_t a, std::size_t b) {
    return std::pair{distance(a), items[a].row0} < std::pair{distance(b), items[b].row0};
  };

  // What the reader is here for, each in the order it matters most: the faults; the lost
  // outcome's lineage that the run did not have; the missing messages, a first one of every
  // pair of nodes before a second of any; the lineage the run kept, the hops next to the
  // fault and the last ones before the outcome; then any message, nearest the fault first.
  std::vector<std::size_t> faults, lost_lineage, lineage, context;
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::vector<std::size_t>> missing;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const Item& it = items[i];
    if (it.kind == Item::Fault)
      faults.push_back(i);
    else if (it.kind == Item::Missing)
      (it.lineage ? lost_lineage : missing[{it.from, it.to}]).push_back(i);
    else
      (it.lineage ? lineage : context).push_back(i);
  }
  std::ranges::sort(faults, by_time);
  std::ranges::sort(lost_lineage, by_time);
  std::vector<std::vector<std::size_t>> pairs;
  for (auto& [_, list] : missing) {
    std::ranges::sort(list, by_time);
    pairs.push_back(std::move(list));
  }
  std::ranges::sort(pairs, [&](const auto& a, const auto& b) { return by_time(a[0], b[0]); });
  std::vector<std::size_t> missing_order;
  for (std::size_t round = 0; missing_order.size() < items.size(); ++round) {
    bool any = false;
    for (const auto& list : pairs)
      if (round < list.size()) missing_order.push_back(list[round]), any = true;
    if (!any) break;
  }
  std::vector<std::size_t> lineage_order;
  {
    std::vector<std::size_t> near = lineage, late = lineage;
    std::ranges::sort(near, by_distance);
    std::ranges::sort(late, [&](std::size_t a, std::size_t b) { return by_time(b, a); });
    for (std::size_t i = 0; i < lineage.size(); ++i)
      lineage_order.push_back(near[i]), lineage_order.push_back(late[i]);
  }
  std::ranges::sort(context, by_distance);

  RowBudget budget(rows, f, kBeforeFault, kMaxRows);
  std::vector<bool> tried(items.size(), false);
  auto offer = [&](std::size_t i) {
    if (tried[i]) return;
    tried[i] = true;
    budget.take(items[i].row0, items[i].row1);
  };
  for (std::size_t i : faults) offer(i);
  // Turn by turn, so that no kind of message takes the whole budget.
  const std::array<const std::vector<std::size_t>*, 6> turns = {
      &lost_lineage, &missing_order, &missing_order, &lineage_order, &lineage_order, &context};
  std::array<std::size_t, 6> next{};
  for (bool any = true; any;) {
    any = false;
    for (std::size_t k = 0; k < turns.size(); ++k) {
      const auto& list = *turns[k];
      std::size_t& n = next[k];
      while (n < list.size() && tried[list[n]]) ++n;
      if (n < list.size()) offer(list[n++]), any = true;
    }
  }
  return std::move(budget).kept();
}

SpaceTimeDiagram::SpaceTimeDiagram(const Trace& run, const Trace* baseline, std::string id,
                                   std::optional<Focus> focus)
    : run_(run), baseline_(baseline), id_(std::move(id)), focus_(std::move(focus)) {
  build();
}

std::string SpaceTimeDiagram::svg() const {
  return svg_;
}

void SpaceTimeDiagram::build() {
  const Trace& t = run_;
  const std::uint64_t start = window_start(t), end = workload_end(t);

  // Lanes: the workload first, then the nodes in the spec's order.
  std::vector<std::uint32_t> lane_of(t.nodes.size());
  std::vector<std::string> lanes;
  for (int pass = 0; pass < 2; ++pass)
    for (std::uint32_t n = 0; n < t.nodes.size(); ++n)
      if (t.nodes[n].workload == (pass == 0)) {
        lane_of[n] = static_cast<std::uint32_t>(lanes.size());
        lanes.push_back(t.nodes[n].name);
      }

  // Each lane's threads, in the order their first event comes: folded into the lane by
  // default, one column each when unfolded (the report's script).
  threads_.assign(lanes.size(), {});
  std::map<std::pair<std::uint32_t, std::int32_t>, std::uint32_t> thread_of;
  auto thread_at = [&](std::uint32_t node, std::int32_t tid) {
    const std::uint32_t lane = lane_of[node];
    auto [it, added] = thread_of.try_emplace({lane, tid}, 0);
    if (added) {
      it->second = static_cast<std::uint32_t>(threads_[lane].size());
      threads_[lane].push_back(tid);
    }
    return it->second;
  };
  auto thread_index = [&](const Event& e) { return thread_at(e.node, e.tid); };

  // The lineage to highlight: of the outcome the verdict names; else of the first outcome
  // the baseline reached and the run did not (on redis-sentinel, not the write the checker
  // said was lost); else of the run's last.
  std::set<InjectionPoint> lineage;
  if (focus_) {
    std::optional<std::uint64_t> ack;
    for (const Event& e : t.events)
      if (t.nodes.at(e.node).workload && e.point.op == OpClass::Recv && e.moved > 0 &&
          drawn_ns(e) <= focus_->ack_ns && (!ack || drawn_ns(e) >= drawn_ns(t.events[*ack])))
        ack = e.id;
    if (ack) {
      CommGraph g(t);
      lineage = support_of(g, *ack).messages;
      lineage_of_ = focus_->words;
    }
  }
  if (lineage_of_.empty() && baseline_) {
    auto base_out = outcome_events(*baseline_);
    auto base_keys = outcome_keys(*baseline_, base_out);
    auto run_keys = outcome_keys(t, outcome_events(t));
    std::set<std::string> reached(run_keys.begin(), run_keys.end());
    for (std::size_t i = 0; i < base_out.size(); ++i)
      if (!reached.contains(base_keys[i])) {
        CommGraph g(*baseline_);
        lineage = support_of(g, base_out[i]).messages;
        lineage_of_ = outcome_words(base_keys[i]) + ", which this run lost";
        break;
      }
  }
  if (lineage_of_.empty()) {
    auto out = outcome_events(t);
    if (!out.empty()) {
      CommGraph g(t);
      lineage = support_of(g, out.back()).messages;
      lineage_of_ = outcome_words(outcome_key(t, out.back()));
    }
  }

  std::vector<Item> items;
  auto key_of = [&](std::uint64_t event) {
    return Key{drawn_ns(t.events.at(event)), event * 2, 0};
  };
  for (const TraceMessage& m : window_messages(t)) {
    const Event& s = t.events[m.send];
    auto peer = t.node_index(s.point.peer);
    Item it;
    it.from = lane_of[s.node];
    it.to = lane_of[*peer];
    it.from_thread = thread_index(s);
    if (!m.receives.empty()) it.to_thread = thread_index(t.events[m.receives.front()]);
    it.k0 = key_of(m.send);
    it.unread = m.receives.empty();
    it.k1 = it.unread ? Key{s.time_ns, m.send * 2, 1} : key_of(m.receives.front());
    if (it.k1 < it.k0) it.k1 = Key{s.time_ns, m.send * 2, 1};
    it.label = payload_text(s, 12);
    it.lineage = lineage.contains(s.point);
    it.title =
        fmt::format("{}\n{}\n{}", to_string(s.point), event_words(t, s, start),
                    it.unread ? std::string("never read")
                              : "read: " + event_words(t, t.events[m.receives.front()], start));
    if (!it.label.empty()) it.title += fmt::format("\nfirst bytes: {}", it.label);
    items.push_back(std::move(it));
  }
  if (baseline_) {
    const Trace& b = *baseline_;
    TraceDiff d = diff_traces(b, t);
    std::uint64_t n = 0;
    auto anchored = [&](const std::optional<std::uint64_t>& after) {
      ++n;
      // Before the window, the run's picture has nothing to go by: it goes at the top.
      return after && drawn_ns(t.events[*after]) >= start
                 ? Key{drawn_ns(t.events[*after]), *after * 2 + 1, n}
                 : Key{start, 0, n};
    };
    const std::uint64_t base_start = window_start(b);
    for (const auto& miss : d.missing) {
      const Event& s = b.events[miss.message.send];
      auto from = t.node_index(b.nodes.at(s.node).name);
      auto to = t.node_index(s.point.peer);
      if (!from || !to) continue;
      Item it;
      it.kind = Item::Missing;
      it.from = lane_of[*from];
      it.to = lane_of[*to];
      // On the threads that used its channel in this run; a channel the run never had (a
      // connection the fault prevented) leaves it on its node's first thread.
      if (miss.send_tid) it.from_thread = thread_at(*from, *miss.send_tid);
      if (miss.receive_tid) it.to_thread = thread_at(*to, *miss.receive_tid);
      it.k0 = anchored(miss.send_after);
      it.k1 = miss.receive_after ? anchored(miss.receive_after)
                                 : Key{std::get<0>(it.k0), std::get<1>(it.k0), ++n};
      if (it.k1 < it.k0) it.k1 = Key{std::get<0>(it.k0), std::get<1>(it.k0), ++n};
      it.label = payload_text(s, 12);
      it.lineage = lineage.contains(s.point);
      it.title = fmt::format("{}: not in this run\nin the fault-free run: {}", to_string(s.point),
                             event_words(b, s, base_start));
      if (!it.label.empty()) it.title += fmt::format("\nfirst bytes: {}", it.label);
      items.push_back(std::move(it));
    }
  }
  for (const FiredFault& f : t.fired) {
    if (f.fault >= t.plan.faults.size() || f.event >= t.events.size()) continue;
    const Fault& fault = t.plan.faults[f.fault];
    Item it;
    it.kind = Item::Fault;
    it.from = it.to = lane_of[t.events[f.event].node];
    it.from_thread = it.to_thread = thread_index(t.events[f.event]);
    const std::uint64_t at = t.events[f.event].time_ns;
    it.k0 = it.k1 = at >= start ? Key{at, f.event * 2, 2} : Key{start, 0, 0};
    it.label = PlanDescription({&t, baseline_})(fault);
    it.title = fmt::format("fault: {}\n{}{}", it.label, event_words(t, t.events[f.event], start),
                           f.note.empty() ? "" : "\n" + f.note);
    items.push_back(std::move(it));
  }
  (void)end;
  {
    std::map<std::pair<std::uint32_t, std::uint32_t>, std::size_t> pairs;
    for (const Item& it : items) {
      messages_total_ += it.kind == Item::Message;
      if (it.kind == Item::Missing) ++missing_total_, ++pairs[{it.from, it.to}];
    }
    for (const auto& [p, count] : pairs)
      missing_by_pair_.emplace_back(fmt::format("{} to {}", lanes[p.first], lanes[p.second]),
                                    count);
    std::ranges::stable_sort(missing_by_pair_,
                             [](const auto& a, const auto& b) { return a.second > b.second; });
  }

  // Rows: one per distinct endpoint, in time order.
  std::vector<Key> keys;
  for (const Item& it : items) keys.push_back(it.k0), keys.push_back(it.k1);
  std::ranges::sort(keys);
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  auto row = [&](const Key& k) {
    return static_cast<std::size_t>(std::ranges::lower_bound(keys, k) - keys.begin());
  };
  for (Item& it : items) it.row0 = row(it.k0), it.row1 = row(it.k1);

  // Too many rows: keep those the reader is here for, within a budget of rows that counts
  // each run of rows left out as one.
  std::vector<bool> keep(keys.size(), true);
  // A small diagram is cut too when its fault would be off its first screen.
  std::optional<std::size_t> first_fault;
  for (const Item& it : items)
    if (it.kind == Item::Fault && (!first_fault || it.row0 < *first_fault)) first_fault = it.row0;
  if (keys.size() > kMaxRows || first_fault.value_or(0) > kBeforeFault)
    keep = choose_rows(items, keys.size());

  // New row numbers: kept rows in order, one row for each run of rows left out.
  std::vector<std::size_t> new_row(keys.size());
  std::vector<std::pair<std::size_t, std::size_t>> gaps;  // (row, messages left out)
  std::vector<std::size_t> gap_of(keys.size(), 0);        // index in gaps, for rows left out
  std::size_t rows = 0;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (!keep[i] && (i == 0 || keep[i - 1])) gaps.emplace_back(rows++, 0);
    new_row[i] = keep[i] ? rows++ : gaps.back().first;
    if (!keep[i]) gap_of[i] = gaps.size() - 1;
  }
  // A gap tells how many messages start or end in it: every row left out is some message's
  // end, so none says "0".
  std::vector<Item> shown;
  for (Item& it : items) {
    if (keep[it.row0] && keep[it.row1]) {
      it.row0 = new_row[it.row0], it.row1 = new_row[it.row1];
      shown.push_back(std::move(it));
      continue;
    }
    std::optional<std::size_t> g0, g1;
    if (!keep[it.row0]) g0 = gap_of[it.row0];
    if (!keep[it.row1]) g1 = gap_of[it.row1];
    if (g0) ++gaps[*g0].second;
    if (g1 && g1 != g0) ++gaps[*g1].second;
  }

  // Geometry, in the SVG's own units; the page scales it to its width.
  const int lane_gap = lanes.size() <= 5 ? 170 : 130, left = 64, top = 34, row_h = 17;
  int width =
      left + 40 + lane_gap * static_cast<int>(std::max<std::size_t>(lanes.size(), 2) - 1) + 150;
  auto x = [&](std::uint32_t lane) { return left + 40 + static_cast<int>(lane) * lane_gap; };
  // A fault's words go right of its mark, else left of it; when neither side has room (a
  // crash of the second of two nodes is a long sentence beside a narrow picture) the picture
  // widens, since the SVG clips what passes its edge and the page scales it to its width.
  auto label_right = [&](const Item& it) {
    return x(it.from) + 10 + label_width(clip(it.label, kMaxLabel)) <= width;
  };
  for (const Item& it : shown)
    if (it.kind == Item::Fault && !label_right(it) &&
        x(it.from) - 10 - label_width(clip(it.label, kMaxLabel)) < 0)
      width = x(it.from) + 10 + label_width(clip(it.label, kMaxLabel)) + 8;
  const int height = top + static_cast<int>(rows) * row_h + 24;
  auto y = [&](std::size_t r) { return top + 12 + static_cast<int>(r) * row_h; };

  std::string s = fmt::format(
      R"(<svg xmlns="http://www.w3.org/2000/svg" class="std" id="{0}" viewBox="0 0 {1} {2}" )"
      R"(width="100%" data-w="{1}" data-h="{2}" data-x0="{3}" data-gap="{4}" )"
      R"(font-family="sans-serif" font-size="10">)"
      "<defs>",
      id_, width, height, x(0), lane_gap);
  for (const auto& [suffix, colour] : {std::pair{"m", "#3b6ea5"}, {"l", "#d35400"}, {"x", "#888"}})
    s += fmt::format(
        R"(<marker id="{}-{}" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="7" )"
        R"(markerHeight="7" orient="auto"><path d="M0,0L8,4L0,8z" fill="{}"/></marker>)",
        id_, suffix, colour);
  s += "</defs>\n";
  for (std::size_t i = 0; i < lanes.size(); ++i) {
    auto lane = static_cast<std::uint32_t>(i);
    const std::size_t n = threads_[i].size();
    // A lane of several threads says so and unfolds on a click into a column per thread.
    s += fmt::format(R"(<text class="{5}" data-lane="{6}" data-threads="{7}" x="{0}" y="{1}" )"
                     R"(text-anchor="middle" font-weight="bold" font-size="12">{2}{8}</text>)"
                     R"(<line class="lane" data-lane="{6}" x1="{0}" y1="{3}" x2="{0}" y2="{4}"/>)"
                     "\n",
                     x(lane), top - 12, xml_escape(lanes[i]), top, height - 12,
                     n > 1 ? "ln fold" : "ln", i, std::max<std::size_t>(n, 1),
                     n > 1 ? fmt::format(" [{} threads]", n) : "");
    for (std::size_t k = 1; k < n; ++k)
      s += fmt::format(
          R"(<g class="thr" data-lane="{0}" data-t="{1}" display="none"><text x="{2}" y="{3}" )"
          R"(text-anchor="middle">tid {4}</text><line class="lane" x1="{2}" y1="{5}" x2="{2}" )"
          R"(y2="{6}"/></g>)"
          "\n",
          i, k, x(lane), top - 2, threads_[i][k], top, height - 12);
  }
  // Time down the left edge: about every eighth row, and after each row of messages not
  // shown (time jumps there).
  std::vector<std::optional<std::uint64_t>> row_time(rows);
  std::vector<bool> after_gap(rows + 1, false);
  for (const auto& [r, count] : gaps) after_gap[r + 1] = true;
  for (std::size_t i = 0; i < keys.size(); ++i)
    if (keep[i] && !row_time[new_row[i]]) row_time[new_row[i]] = std::get<0>(keys[i]);
  std::optional<std::size_t> last_label;
  for (std::size_t r = 0; r < rows; ++r) {
    if (!row_time[r] || !(r % 8 == 0 || after_gap[r]) || (last_label && r < *last_label + 3))
      continue;
    last_label = r;
    s += fmt::format(R"(<text class="tm" x="{}" y="{}" text-anchor="end">{:.1f} ms</text>)", left,
                     y(r) + 3,
                     (static_cast<double>(*row_time[r]) - static_cast<double>(start)) / 1e6);
  }
  for (const auto& [r, count] : gaps)
    s += fmt::format(
        R"(<text class="gap" x="{}" y="{}" text-anchor="middle">{} message{} not shown</text>)"
        "\n",
        (x(0) + x(static_cast<std::uint32_t>(lanes.size() - 1))) / 2, y(r) + 3, count,
        count == 1 ? "" : "s");
  for (const Item& it : shown) {
    const int x0 = x(it.from), y0 = y(it.row0), y1 = y(it.row1);
    if (it.kind == Item::Fault) {
      const bool right = label_right(it);
      s += fmt::format(R"(<g class="f" data-a="{6}" data-ta="{7}"><title>{0}</title>)"
                       R"(<path d="M{1},{2}l-6,-6m6,6l6,6m-6,-6l6,-6m-6,6l-6,6"/>)"
                       R"(<text x="{3}" y="{4}"{8}>{5}</text></g>)"
                       "\n",
                       xml_escape(clip(it.title, kMaxTitle)), x0, y0, right ? x0 + 10 : x0 - 10,
                       y0 + 4, xml_escape(clip(it.label, kMaxLabel)), it.from, it.from_thread,
                       right ? "" : R"( text-anchor="end")");
      ++faults_drawn_;
      continue;
    }
    int x1 = x(it.to);
    // Arrows stop short of the lane so the head is seen; an unread message ends in the air.
    int dir = x1 > x0 ? 1 : -1;
    int x1s = it.unread ? x0 + dir * lane_gap / 2 : x1 - dir * 2;
    const char* cls = it.kind == Item::Missing ? "x" : "m";
    std::string classes = std::string(cls) + (it.lineage ? " l" : "") + (it.unread ? " u" : "");
    const char* marker = it.lineage ? "l" : cls;
    s += fmt::format(R"(<g class="{}" data-a="{}" data-ta="{}" data-b="{}" data-tb="{}">)"
                     R"(<title>{}</title><line x1="{}" y1="{}" x2="{}" y2="{}" )"
                     R"x(marker-end="url(#{}-{})"/>)x",
                     classes, it.from, it.from_thread, it.to, it.to_thread,
                     xml_escape(clip(it.title, kMaxTitle)), x0, y0, x1s, y1, id_, marker);
    if (!it.label.empty())
      s += fmt::format(R"(<text x="{}" y="{}" text-anchor="middle">{}</text>)", x0 + (x1s - x0) / 4,
                       y0 + (y1 - y0) / 4 - 3, xml_escape(it.label));
    s += "</g>\n";
    ++(it.kind == Item::Missing ? missing_drawn_ : drawn_);
  }
  s += "</svg>";
  svg_ = std::move(s);
}

}  // namespace fissure
