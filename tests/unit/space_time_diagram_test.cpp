// The space-time diagram stays small whatever the trace: a hand-built run shaped like
// redis-sentinel's lost write (a client's long dialog with a master, the master's heartbeats
// with three sentinels, a partition that cuts the sentinels off for a thousand rounds) has
// thousands of messages, thousands missing against its baseline and thousands in the
// outcome's lineage, and its diagram must still fit a bounded number of rows and bytes while
// showing the fault, a missing message of every pair of nodes the partition silenced, and
// the lineage.
#include "space_time_diagram.hpp"

#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <string>
#include <tuple>

namespace fissure {
namespace {

class Cluster {
 public:
  Trace t;
  Cluster() {
    for (const char* n : {"client", "master", "s1", "s2", "s3"})
      t.nodes.push_back({n, t.nodes.empty(), {}, 0, NodeEnd::Exited, 0, 0, 0, 0, 0});
    // One connection from the master to each other node.
    for (std::int32_t n = 0; n < 5; ++n)
      if (n != 1)
        t.channels.push_back({static_cast<std::uint32_t>(t.channels.size()), ChannelKind::Tcp, "a",
                              "b", fmt_label(n), 1, n});
  }
  std::uint64_t ev(std::uint32_t node, OpClass op, std::uint32_t peer, std::int64_t moved,
                   const std::string& head = "") {
    Event& e = t.events.emplace_back();
    e.id = t.events.size() - 1;
    e.node = node;
    e.pid = e.tid = 10 + static_cast<std::int32_t>(node);
    e.seq = seq_[node]++;
    e.sys = op == OpClass::Send ? Sys::write : Sys::read;
    e.channel = channel(node == 1 ? peer : node);
    e.moved = e.asked = e.result = moved;
    e.head = head;
    e.time_ns = e.end_ns = 1000 + e.id * 10;
    e.point = {t.nodes[node].name, op, t.nodes[peer].name,
               ++k_[{node, peer, static_cast<int>(op)}]};
    return e.id;
  }
  std::uint64_t msg(std::uint32_t from, std::uint32_t to, const std::string& head) {
    auto s = ev(from, OpClass::Send, to, 8, head);
    auto r = ev(to, OpClass::Recv, from, 8);
    t.edges.push_back({s, r, EdgeKind::Message});
    return s;
  }
  // One round: the client's SET and its +OK, then the master's PING to each sentinel and
  // their +PONGs, unless the sentinels are cut off.
  void round(bool sentinels) {
    msg(0, 1, "*3\r\n$3\r\nSET");
    msg(1, 0, "+OK\r\n");
    if (sentinels)
      for (std::uint32_t s = 2; s < 5; ++s) {
        msg(1, s, "PING\r\n");
        msg(s, 1, "+PONG\r\n");
      }
  }
  void end() { t.nodes[0].end_ns = t.events.back().time_ns + 1; }

 private:
  static std::string fmt_label(std::int32_t n) { return "127.0.0.1:" + std::to_string(7000 + n); }
  std::int32_t channel(std::uint32_t other) const {
    return static_cast<std::int32_t>(other == 0 ? 0 : other - 1);
  }
  std::map<std::uint32_t, std::uint64_t> seq_;
  std::map<std::tuple<std::uint32_t, std::uint32_t, int>, std::uint32_t> k_;
};

constexpr int kRounds = 1500, kCutFrom = 100, kCutTo = 1100;

// SVG units: the diagram's rows are 17 apart under a 34-unit head, with 24 below.
int height_of(const std::string& svg) {
  std::smatch m;
  EXPECT_TRUE(std::regex_search(svg, m, std::regex(R"x(viewBox="0 0 \d+ (\d+)")x")));
  return m.empty() ? 0 : std::stoi(m[1]);
}

// A missing message's hover text: "master send->s1 #101: not in this run".
std::regex missing_title(const std::string& from, const std::string& to) {
  return std::regex(from + " send-&gt;" + to + R"( #\d+: not in this run)");
}

TEST(SpaceTimeDiagram, ABigTraceStaysWithinItsRowsAndBytes) {
  Cluster base, run;
  for (int i = 0; i < kRounds; ++i) base.round(true);
  base.end();
  std::uint64_t cut = 0;
  for (int i = 0; i < kRounds; ++i) {
    if (i == kCutFrom) {
      // The partition fires at the master's next PING to s1, which goes nowhere.
      cut = run.ev(1, OpClass::Send, 2, 0);
      run.t.events[cut].result = -1;
      run.t.events[cut].injected = true;
    }
    run.round(i < kCutFrom || i >= kCutTo);
  }
  run.end();
  Fault f;
  f.kind = FaultKind::Partition;
  f.at = {"master", OpClass::Send, "s1", kCutFrom + 1};
  f.groups = {{"client", "master"}, {"s1", "s2", "s3"}};
  f.heal_ms = 5000;
  run.t.plan.faults.push_back(f);
  run.t.fired.push_back({0, cut, run.t.events[cut].time_ns, "partition"});

  SpaceTimeDiagram d(run.t, &base.t, "d1");
  const std::string svg = d.svg();

  // What there was: 2 messages a round for the client, 6 with the sentinels while they were
  // reachable; the baseline's sentinel messages the run lacks are 6 a round of the cut.
  EXPECT_EQ(d.messages_total(), 2u * kRounds + 6u * (kRounds - (kCutTo - kCutFrom)));
  EXPECT_EQ(d.missing_total(), 6u * (kCutTo - kCutFrom));
  ASSERT_EQ(d.missing_by_pair().size(), 6u);
  EXPECT_EQ(d.missing_by_pair()[0].second, static_cast<std::size_t>(kCutTo - kCutFrom));

  // Bounded: rows, and bytes (a row holds one arrow: its line, its label, its hover text).
  EXPECT_LE(height_of(svg), 34 + static_cast<int>(SpaceTimeDiagram::kMaxRows) * 17 + 24);
  EXPECT_LT(svg.size(), 150'000u) << "the old diagram of such a run was megabytes";
  EXPECT_LE(d.messages_drawn() + d.missing_drawn() + d.faults_drawn(), SpaceTimeDiagram::kMaxRows);

  // What the reader needs is in it: the fault, near the top...
  EXPECT_EQ(d.faults_drawn(), 1u);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      svg, m, std::regex(R"(<g class="f"[^>]*><title>[^<]*</title><path d="M\d+,(\d+))")));
  EXPECT_LE(std::stoi(m[1]), 34 + 12 + static_cast<int>(SpaceTimeDiagram::kBeforeFault) * 17);
  // ... a missing message of every pair of nodes the partition silenced ...
  for (std::string s : {"s1", "s2", "s3"}) {
    EXPECT_TRUE(std::regex_search(svg, missing_title("master", s))) << "no missing PING to " << s;
    EXPECT_TRUE(std::regex_search(svg, missing_title(s, "master"))) << "no missing PONG from " << s;
  }
  EXPECT_GE(d.missing_drawn(), 6u);
  // ... and the lineage of the client's last answer, highlighted.
  EXPECT_EQ(d.lineage_of(), "client's 1st answer");
  EXPECT_NE(svg.find("<g class=\"m l\""), std::string::npos);
  // Every row left out is some message's end, so no fold says it hid nothing.
  EXPECT_EQ(svg.find(">0 messages not shown"), std::string::npos);
  EXPECT_NE(svg.find("messages not shown"), std::string::npos);
}

TEST(SpaceTimeDiagram, ASmallTraceIsDrawnWhole) {
  Cluster base, run;
  for (int i = 0; i < 6; ++i) base.round(true);
  base.end();
  for (int i = 0; i < 6; ++i) run.round(i < 4);
  run.end();
  SpaceTimeDiagram d(run.t, &base.t, "d1");
  EXPECT_EQ(d.messages_drawn(), 2u * 6 + 6u * 4);
  EXPECT_EQ(d.messages_total(), d.messages_drawn());
  EXPECT_EQ(d.missing_drawn(), 6u * 2);
  EXPECT_EQ(d.svg().find("not shown"), std::string::npos);
}

TEST(SpaceTimeDiagram, ASmallTraceWhoseFaultComesLateStartsNearIt) {
  // 80 rows of the client's dialog before the fault, 20 after: few enough to draw whole,
  // but the fault would be below the first screen.
  Cluster run;
  for (int i = 0; i < 20; ++i) run.round(false);
  const std::uint64_t at = run.msg(1, 0, "+OK\r\n");
  for (int i = 0; i < 5; ++i) run.round(false);
  run.end();
  Fault f;
  f.kind = FaultKind::Crash;
  f.at = {"master", OpClass::Send, "client", 21};
  run.t.plan.faults.push_back(f);
  run.t.fired.push_back({0, at, run.t.events[at].time_ns, ""});
  SpaceTimeDiagram d(run.t, nullptr, "d1");
  const std::string svg = d.svg();
  EXPECT_EQ(d.faults_drawn(), 1u);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      svg, m, std::regex(R"(<g class="f"[^>]*><title>[^<]*</title><path d="M\d+,(\d+))")));
  EXPECT_LE(std::stoi(m[1]), 34 + 12 + static_cast<int>(SpaceTimeDiagram::kBeforeFault) * 17);
  EXPECT_EQ(d.messages_total(), 2u * 25 + 1);
  // Everything from the fault on (its own +OK and the 5 rounds after), and some before it.
  EXPECT_GT(d.messages_drawn(), 1u + 2u * 5);
  EXPECT_LT(d.messages_drawn(), d.messages_total());
  EXPECT_NE(svg.find("messages not shown"), std::string::npos);
}

}  // namespace
}  // namespace fissure

namespace fissure {
namespace {

// Lineage messages in the SVG: arrows of class "m l".
std::size_t lineage_arrows(const std::string& svg) {
  std::size_t n = 0;
  for (std::size_t at = svg.find("<g class=\"m l"); at != std::string::npos;
       at = svg.find("<g class=\"m l", at + 1))
    ++n;
  return n;
}

// A checker's stale read names the write it did not see: the lineage drawn is that write's
// acknowledgement's (the client's first SET and its +OK, read at the focus time), not the
// run's last answer's, whose past holds all three rounds' SET and +OK.
TEST(SpaceTimeDiagram, TheLineageIsOfTheWriteTheVerdictNames) {
  Cluster run;
  for (int i = 0; i < 3; ++i) run.round(false);
  run.end();
  const std::uint64_t first_ok_read = 3;  // SET send 0, its read 1, +OK send 2, its read 3
  ASSERT_EQ(run.t.events[first_ok_read].point.op, OpClass::Recv);
  ASSERT_EQ(run.t.events[first_ok_read].node, 0u);

  SpaceTimeDiagram plain(run.t, nullptr, "d1");
  EXPECT_EQ(lineage_arrows(plain.svg()), 6u) << plain.svg();

  SpaceTimeDiagram::Focus f{run.t.events[first_ok_read].end_ns + 5,
                            "the write of 7 acknowledged at 0.463 s"};
  SpaceTimeDiagram focused(run.t, nullptr, "d1", f);
  EXPECT_EQ(focused.lineage_of(), "the write of 7 acknowledged at 0.463 s");
  EXPECT_EQ(lineage_arrows(focused.svg()), 2u) << focused.svg();

  // A focus before any answer came: the diagram's own choice.
  SpaceTimeDiagram early(run.t, nullptr, "d1", SpaceTimeDiagram::Focus{1, "nothing yet"});
  EXPECT_EQ(early.lineage_of(), plain.lineage_of());
}

}  // namespace
}  // namespace fissure

namespace fissure {
namespace {

// A node's threads are folded into its lane, which says how many it has and carries a hidden
// column per further thread; each arrow names the threads at its ends, for the page's script.
TEST(SpaceTimeDiagram, ANodesThreadsAreFoldedAndCanUnfold) {
  Cluster run;
  run.round(false);                          // the client's first thread: tid 10
  const auto second = run.msg(0, 1, "GET");  // from a second client thread
  run.t.events[second].tid = 77;
  run.msg(1, 0, "+OK");  // read by the first thread
  run.end();
  SpaceTimeDiagram d(run.t, nullptr, "d1");
  ASSERT_FALSE(d.threads().empty());
  EXPECT_EQ(d.threads()[0], (std::vector<std::int32_t>{10, 77})) << "the workload's lane";
  EXPECT_EQ(d.threads()[1], (std::vector<std::int32_t>{11})) << "the master's";
  const std::string svg = d.svg();
  EXPECT_NE(svg.find(R"(data-lane="0" data-threads="2")"), std::string::npos) << svg;
  EXPECT_NE(svg.find(">client [2 threads]</text>"), std::string::npos) << svg;
  EXPECT_NE(svg.find(R"(<g class="thr" data-lane="0" data-t="1" display="none">)"),
            std::string::npos)
      << svg;
  EXPECT_NE(svg.find(">tid 77</text>"), std::string::npos);
  EXPECT_EQ(svg.find(R"(data-lane="1" data-t=)"), std::string::npos) << "one thread: no column";
  EXPECT_NE(svg.find(R"(data-a="0" data-ta="1" data-b="1" data-tb="0")"), std::string::npos)
      << "the second thread's GET";
}

}  // namespace
}  // namespace fissure

namespace fissure {
namespace {

// The client's second thread talks to the master on a connection of its own; the run loses
// the master's answer there. Unfolded, the missing answer must go to the thread that would
// have read it (the run's second client thread, tid 88; 77 in the baseline), not the first.
TEST(SpaceTimeDiagram, AMissingMessageIsOnTheThreadsThatUsedItsConnection) {
  auto second = [](Cluster& c, std::int32_t tid, bool answered) {
    // The client's second connection to the master: the same kind, nodes and address.
    const auto ch = static_cast<std::int32_t>(c.t.channels.size());
    if (c.t.channels.size() == 4)
      c.t.channels.push_back({4, ChannelKind::Tcp, "a", "b", "127.0.0.1:7000", 1, 0});
    const auto get = c.msg(0, 1, "GET");
    for (auto e : {get, get + 1}) c.t.events[e].channel = ch;
    c.t.events[get].tid = tid;
    if (!answered) return;
    const auto ok = c.msg(1, 0, "+OK");
    for (auto e : {ok, ok + 1}) c.t.events[e].channel = ch;
    c.t.events[ok + 1].tid = tid;
  };
  Cluster base, run;
  base.round(false);
  second(base, 77, true);
  base.end();
  run.round(false);
  second(run, 88, false);
  run.end();
  SpaceTimeDiagram d(run.t, &base.t, "d1");
  ASSERT_EQ(d.missing_drawn(), 1u);
  EXPECT_EQ(d.threads()[0], (std::vector<std::int32_t>{10, 88}));
  const std::string svg = d.svg();
  // (It is the lineage of the answer the run lost too: class "x l".)
  EXPECT_TRUE(std::regex_search(
      svg, std::regex(R"(<g class="x[^"]*" data-a="1" data-ta="0" data-b="0" data-tb="1">)")))
      << svg;
}

}  // namespace
}  // namespace fissure

namespace fissure {
namespace {

// Where a fault's words end, in the SVG's units, at the width the diagram reckons with.
int label_end(const std::string& svg) {
  std::smatch m;
  EXPECT_TRUE(std::regex_search(
      svg, m,
      std::regex(
          R"x(<g class="f"[^>]*>[\s\S]*?<text x="(\d+)" y="\d+"( text-anchor="end")?>([^<]*)</text>)x")));
  if (m.empty()) return 0;
  const int x = std::stoi(m[1]);
  return m[2].matched ? x : x + static_cast<int>(static_cast<double>(m[3].length()) * 6.2);
}

int width_of(const std::string& svg) {
  std::smatch m;
  EXPECT_TRUE(std::regex_search(svg, m, std::regex(R"x(viewBox="0 0 (\d+) \d+")x")));
  return m.empty() ? 0 : std::stoi(m[1]);
}

// The SVG clips what passes its edge: a fault at the last lane has its words on its left, and
// one whose words fit on neither side widens the picture.
TEST(SpaceTimeDiagram, AFaultsWordsStayInsideThePicture) {
  Cluster run;
  run.round(true);
  const auto at = run.msg(4, 1, "+PONG");
  run.end();
  Fault f;
  f.kind = FaultKind::Crash;
  f.at = {"s3", OpClass::Send, "master", 2};
  run.t.plan.faults.push_back(f);
  run.t.fired.push_back({0, at, run.t.events[at].time_ns, ""});
  const std::string last = SpaceTimeDiagram(run.t, nullptr, "d1").svg();
  EXPECT_NE(last.find(R"( text-anchor="end">crash s3)"), std::string::npos) << last;
  EXPECT_LE(label_end(last), width_of(last));

  // Renamed, the words are longer than the picture is wide on either side of the mark.
  run.t.nodes[4].name = std::string(120, 's');
  run.t.plan.faults[0].at.node = run.t.nodes[4].name;
  const std::string wide = SpaceTimeDiagram(run.t, nullptr, "d1").svg();
  EXPECT_GT(width_of(wide), width_of(last));
  EXPECT_LE(label_end(wide), width_of(wide)) << wide;
}

}  // namespace
}  // namespace fissure
