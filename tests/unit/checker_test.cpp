// The linearizability checker on histories whose answers are known: the 52 Jepsen etcd
// histories with their published answers, and tiny ones reasoned out by hand (each test says
// why its answer is what it is).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "fissure/checker/check.hpp"
#include "fissure/checker/history_error.hpp"
#include "fissure/checker/load_history.hpp"
#include "fissure/checker/report.hpp"

namespace fissure::checker {
namespace {

constexpr std::int64_t kMs = 1'000'000;  // ns

// One op as two JSON lines: its invocation and its completion (`type` ok/fail/info, or ""
// for none). Times in milliseconds.
struct Op {
  int process;
  std::string f;
  std::string value;  // JSON text: 3, "x", null, [1, 4]
  std::int64_t invoke_ms;
  std::string type;
  std::int64_t complete_ms = 0;
  std::string key = "";
};

History history_of(const std::vector<Op>& ops) {
  // Events in time order, as a workload's log would have them.
  std::multimap<std::int64_t, std::string> lines;
  for (const Op& o : ops) {
    std::string key = o.key.empty() ? "" : fmt::format(", \"key\": \"{}\"", o.key);
    std::string invoke_value = o.f == "read" ? "null" : o.value;
    lines.emplace(
        o.invoke_ms * kMs,
        fmt::format(R"({{"process": {}, "type": "invoke", "f": "{}", "value": {}{}, "time": {}}})",
                    o.process, o.f, invoke_value, key, o.invoke_ms * kMs));
    if (!o.type.empty())
      lines.emplace(
          o.complete_ms * kMs,
          fmt::format(R"({{"process": {}, "type": "{}", "f": "{}", "value": {}{}, "time": {}}})",
                      o.process, o.type, o.f, o.value, key, o.complete_ms * kMs));
  }
  std::string text;
  for (const auto& [t, line] : lines) text += line + "\n";
  std::istringstream in(text);
  return read_json_lines(in, "test.jsonl");
}

Linearizability verdict_of(const std::vector<Op>& ops) {
  return check_linearizable_register(history_of(ops)).verdict;
}

std::string error_of(const std::string& text, bool jepsen = false) {
  std::istringstream in(text);
  try {
    if (jepsen)
      read_jepsen_log(in, "h.log");
    else
      read_json_lines(in, "h.jsonl");
  } catch (const HistoryError& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(Checker, AllSharedJepsenHistoriesGiveTheirKnownAnswer) {
  std::filesystem::path dir = FISSURE_SOURCE_DIR "/../shared/histories/jepsen-etcd";
  if (!std::filesystem::exists(dir / "answers.txt"))
    GTEST_SKIP() << dir << " is absent (the shared Jepsen histories live beside the repository)";
  std::ifstream answers(dir / "answers.txt");
  int checked = 0;
  for (std::string file, answer; answers >> file >> answer; ++checked) {
    CheckResult r = check_linearizable_register(load_history(dir / file));
    std::string got = r.verdict == Linearizability::Linearizable      ? "linearizable"
                      : r.verdict == Linearizability::NotLinearizable ? "not-linearizable"
                                                                      : "unknown";
    EXPECT_EQ(got, answer) << file;
    if (r.counterexample) {
      EXPECT_FALSE(r.counterexample->ops.empty()) << file;
    }
  }
  EXPECT_EQ(checked, 52);
}

TEST(Checker, StaleReadAfterAcknowledgedWriteIsNotLinearizable) {
  // w 1 completes, then w 2 completes, then a read returns 1: the register held 2 from the
  // moment w 2 returned, and nothing wrote 1 after that.
  History h = history_of({{1, "write", "1", 0, "ok", 100},
                          {2, "write", "2", 1000, "ok", 1200},
                          {3, "read", "1", 1500, "ok", 1600}});
  CheckResult r = check_linearizable_register(h);
  ASSERT_EQ(r.verdict, Linearizability::NotLinearizable);
  const Counterexample& c = *r.counterexample;
  EXPECT_LE(c.ops.size(), 4u);
  EXPECT_TRUE(c.minimal);
  EXPECT_EQ(c.explanation,
            "not linearizable: the write of 2 acknowledged at 1.200 s, but a later read, invoked "
            "at 1.500 s by process 3, saw 1");
  ASSERT_TRUE(c.lost_write) << "the write the read did not see";
  EXPECT_EQ(c.lost_write->process, 2);
  EXPECT_EQ(c.lost_write->complete_time, std::optional<std::int64_t>(1'200'000'000));  // ns
  std::string svg = timeline_svg(h, c);
  EXPECT_EQ(svg.find("<svg"), svg.find("<svg xmlns=\"http://www.w3.org/2000/svg\""));
  EXPECT_NE(svg.find(">w 2</text>"), std::string::npos) << svg;
  EXPECT_NE(svg.find(">r 1</text>"), std::string::npos) << svg;
  EXPECT_NE(svg.find(">process 3</text>"), std::string::npos) << svg;
  EXPECT_EQ(svg.find("<script"), std::string::npos);
  EXPECT_EQ(svg.find("href"), std::string::npos) << "no external font, image or link";
  std::string text = format_counterexample(h, c);
  EXPECT_NE(text.find("write 2"), std::string::npos) << text;
}

TEST(Checker, ShrinksALongHistoryToTheStaleRead) {
  // Fifty harmless sequential writes and reads of their own values around the stale read of
  // the test above: only the two writes and the read are needed to show it.
  std::vector<Op> ops;
  std::int64_t t = 0;
  for (int i = 0; i < 25; ++i, t += 40) {
    ops.push_back({1, "write", std::to_string(100 + i), t, "ok", t + 10});
    ops.push_back({2, "read", std::to_string(100 + i), t + 20, "ok", t + 30});
  }
  ops.push_back({1, "write", "1", t, "ok", t + 10});
  ops.push_back({2, "write", "2", t + 20, "ok", t + 30});
  ops.push_back({3, "read", "1", t + 40, "ok", t + 50});
  CheckResult r = check_linearizable_register(history_of(ops));
  ASSERT_EQ(r.verdict, Linearizability::NotLinearizable);
  ASSERT_EQ(r.counterexample->ops.size(), 3u);
  EXPECT_EQ(r.counterexample->ops[0].describe(), "write 1");
  EXPECT_EQ(r.counterexample->ops[1].describe(), "write 2");
  EXPECT_EQ(r.counterexample->ops[2].describe(), "read 1");
}

TEST(Checker, ConcurrentWriteAndReadMayGoEitherWay) {
  // The read overlaps the write, so it may come before it (nil) or after it (1).
  EXPECT_EQ(verdict_of({{1, "write", "1", 0, "ok", 100}, {2, "read", "null", 10, "ok", 20}}),
            Linearizability::Linearizable);
  EXPECT_EQ(verdict_of({{1, "write", "1", 0, "ok", 100}, {2, "read", "1", 10, "ok", 20}}),
            Linearizability::Linearizable);
  // Two reads during the write: nil then 1 is fine...
  EXPECT_EQ(verdict_of({{1, "write", "1", 0, "ok", 100},
                        {2, "read", "null", 10, "ok", 20},
                        {2, "read", "1", 30, "ok", 40}}),
            Linearizability::Linearizable);
  // ...but 1 then nil is not: once the write took effect, nil is gone for good.
  EXPECT_EQ(verdict_of({{1, "write", "1", 0, "ok", 100},
                        {2, "read", "1", 10, "ok", 20},
                        {2, "read", "null", 30, "ok", 40}}),
            Linearizability::NotLinearizable);
}

TEST(Checker, CasThatSucceededFromAWrongValueIsNotLinearizable) {
  // After w 3 returned the register held 3, so a later cas 1->4 could not have succeeded.
  History h = history_of({{1, "write", "1", 0, "ok", 10},
                          {1, "write", "3", 20, "ok", 30},
                          {2, "cas", "[1, 4]", 40, "ok", 50}});
  CheckResult r = check_linearizable_register(h);
  ASSERT_EQ(r.verdict, Linearizability::NotLinearizable);
  EXPECT_EQ(r.counterexample->explanation,
            "not linearizable: the write of 3 acknowledged at 0.030 s, but a later cas 1\u21924, "
            "invoked at 0.040 s by process 2, succeeded as if the register held 1");
  EXPECT_NE(timeline_svg(h, *r.counterexample).find(">cas 1\u21924</text>"), std::string::npos);
  // From the right value it is fine, and a read after it sees what it set.
  EXPECT_EQ(verdict_of({{1, "write", "1", 0, "ok", 10},
                        {2, "cas", "[1, 4]", 40, "ok", 50},
                        {3, "read", "4", 60, "ok", 70}}),
            Linearizability::Linearizable);
  // A failed cas did not happen, whatever its arguments.
  EXPECT_EQ(verdict_of({{1, "write", "1", 0, "ok", 10},
                        {2, "cas", "[1, 4]", 40, "fail", 50},
                        {3, "read", "1", 60, "ok", 70}}),
            Linearizability::Linearizable);
}

TEST(Checker, InfoWriteMayHaveHappened) {
  // w 2 timed out: it may have taken effect at any time after its invocation, even after
  // the history's last event, or never. Both later reads are explained.
  EXPECT_EQ(verdict_of({{1, "write", "1", 0, "ok", 10},
                        {2, "write", "2", 20, "info", 30},
                        {3, "read", "2", 100, "ok", 110}}),
            Linearizability::Linearizable);
  EXPECT_EQ(verdict_of({{1, "write", "1", 0, "ok", 10},
                        {2, "write", "2", 20, "info", 30},
                        {3, "read", "1", 100, "ok", 110}}),
            Linearizability::Linearizable);
  // An op the history ended before completing counts as info.
  EXPECT_EQ(verdict_of({{1, "write", "1", 0, "ok", 10},
                        {2, "write", "2", 20, ""},
                        {3, "read", "2", 100, "ok", 110}}),
            Linearizability::Linearizable);
  // But it cannot take effect before it was invoked.
  EXPECT_EQ(verdict_of({{3, "read", "2", 0, "ok", 10}, {2, "write", "2", 20, "info", 30}}),
            Linearizability::NotLinearizable);
  // Once seen, its value stays until something else is written: 2 then 1 needs a write of 1
  // after the read of 2.
  EXPECT_EQ(verdict_of({{1, "write", "1", 0, "ok", 10},
                        {2, "write", "2", 20, "info", 30},
                        {3, "read", "2", 100, "ok", 110},
                        {3, "read", "1", 120, "ok", 130}}),
            Linearizability::NotLinearizable);
}

TEST(Checker, FailedWritesValueReadLaterIsNotLinearizable) {
  // w 5 failed: it certainly did not happen, so nothing ever wrote 5.
  History h = history_of({{1, "write", "1", 0, "ok", 10},
                          {2, "write", "5", 20, "fail", 30},
                          {3, "read", "5", 100, "ok", 110}});
  CheckResult r = check_linearizable_register(h);
  ASSERT_EQ(r.verdict, Linearizability::NotLinearizable);
  EXPECT_EQ(r.counterexample->ops.size(), 1u) << "the read alone cannot be explained";
  EXPECT_EQ(r.counterexample->explanation,
            "not linearizable: a read, invoked at 0.100 s by process 3, saw 5, but no operation "
            "that may have happened wrote 5 (the write of 5 invoked at 0.020 s by process 2 "
            "failed)");
}

TEST(Checker, KeysAreCheckedApart) {
  // Each key is its own register: 1 on k1 says nothing about k2.
  EXPECT_EQ(verdict_of({{1, "write", "1", 0, "ok", 10, "k1"},
                        {2, "write", "2", 0, "ok", 10, "k2"},
                        {3, "read", "1", 20, "ok", 30, "k1"},
                        {3, "read", "2", 40, "ok", 50, "k2"}}),
            Linearizability::Linearizable);
  CheckResult r = check_linearizable_register(history_of({{1, "write", "1", 0, "ok", 10, "k1"},
                                                          {2, "write", "2", 0, "ok", 10, "k2"},
                                                          {3, "read", "1", 20, "ok", 30, "k2"}}));
  ASSERT_EQ(r.verdict, Linearizability::NotLinearizable);
  EXPECT_EQ(r.counterexample->key, "k2");
  EXPECT_EQ(r.keys, 2u);
}

TEST(Checker, AProcessAfterAnInfoOpIsAFreshLogicalProcess) {
  // Process 2's write timed out and it goes on reading: Jepsen would have given it a new
  // process number, since the write may still be in flight. It is not an error, and the
  // write stays pending past the read.
  History h = history_of({{1, "write", "1", 0, "ok", 10},
                          {2, "write", "2", 20, "info", 30},
                          {2, "read", "1", 40, "ok", 50},
                          {3, "read", "2", 60, "ok", 70}});
  ASSERT_EQ(h.ops.size(), 4u);
  EXPECT_EQ(h.ops[1].process, h.ops[2].process);
  EXPECT_NE(h.ops[1].logical, h.ops[2].logical);
  EXPECT_EQ(check_linearizable_register(h).verdict, Linearizability::Linearizable);
}

// Many processes all writing and reading at once, with ops that never complete, then a read
// of a value nobody wrote: not linearizable, but only after trying orders of everything
// before it, which no small budget allows.
History crowded_history() {
  std::vector<Op> ops;
  const int n = 40;
  for (int i = 0; i < n; ++i) ops.push_back({i, "write", std::to_string(i), i, "ok", 1000 + i});
  for (int i = 0; i < n; ++i)
    ops.push_back({n + i, "read", std::to_string((i * 7) % n), n + i, "ok", 1000 + n + i});
  for (int i = 0; i < 8; ++i)
    ops.push_back({3 * n + i, "write", std::to_string(500 + i), 90 + i, ""});
  ops.push_back({4 * n, "read", "999", 3000, "ok", 3010});
  return history_of(ops);
}

TEST(Checker, BudgetRunsOutAsUnknownNeverAsAPass) {
  History h = crowded_history();
  Budget memory;
  memory.memo_entries = 1000;
  CheckResult m = check_linearizable_register(h, memory);
  EXPECT_EQ(m.verdict, Linearizability::Unknown);
  EXPECT_EQ(m.budget, "memory 1000 memoized states");
  Budget time;
  time.time = std::chrono::milliseconds(5);
  CheckResult t = check_linearizable_register(h, time);
  EXPECT_EQ(t.verdict, Linearizability::Unknown);
  EXPECT_EQ(t.budget, "time 5 ms");
  EXPECT_FALSE(t.counterexample);
}

// The definition, with no cleverness: some order of the ops that keeps real time (an op
// that returned before another was invoked comes first), includes every ok op and any of
// the info ops, and in which each read sees the last value written.
struct PlainOp {
  int f;  // 0 read, 1 write, 2 cas
  int a, b;
  std::int64_t call, ret;  // ret: for info ops, never
  bool info;
};

bool plain_linearizable(const std::vector<PlainOp>& ops, std::vector<bool>& done, int value) {
  bool all_ok_done = true;
  for (std::size_t i = 0; i < ops.size(); ++i)
    all_ok_done = all_ok_done && (done[i] || ops[i].info);
  if (all_ok_done) return true;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    if (done[i]) continue;
    bool ready = true;  // every op that returned before this one was invoked is done
    for (std::size_t j = 0; j < ops.size(); ++j)
      if (!done[j] && j != i && !ops[j].info && ops[j].ret < ops[i].call) ready = false;
    if (!ready) continue;
    const PlainOp& o = ops[i];
    int next = value;
    if (o.f == 0 && o.a != value) continue;
    if (o.f == 1) next = o.a;
    if (o.f == 2) {
      if (o.a != value) continue;
      next = o.b;
    }
    done[i] = true;
    bool ok = plain_linearizable(ops, done, next);
    done[i] = false;
    if (ok) return true;
  }
  return false;
}

TEST(Checker, AgreesWithTheDefinitionOnRandomSmallHistories) {
  std::uint64_t seed = 12345;
  auto rnd = [&](int n) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<int>((seed >> 33) % static_cast<std::uint64_t>(n));
  };
  int not_linearizable = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    std::vector<Op> ops;
    std::vector<PlainOp> plain;
    std::int64_t clock[3] = {0, 0, 0};
    const int n = 3 + rnd(5);
    for (int k = 0; k < n; ++k) {
      int p = rnd(3);
      if (clock[p] < 0) continue;  // after an info op, this process is done
      std::int64_t call = clock[p] + rnd(4), ret = call + 1 + rnd(6);
      // 0 is null: a read may see it and a cas expect it; writes set 1 or 2.
      int f = rnd(3), a = f == 1 ? 1 + rnd(2) : rnd(3), b = 1 + rnd(2);
      int outcome = rnd(10);  // 0-6 ok, 7 fail, 8-9 info
      std::string type = outcome < 7 ? "ok" : outcome == 7 ? "fail" : "info";
      if (f == 0 && type != "ok") type = "fail";  // a read that did not return
      auto text = [](int v) { return v == 0 ? std::string("null") : std::to_string(v); };
      std::string value = f == 2 ? fmt::format("[{}, {}]", text(a), text(b)) : text(a);
      ops.push_back({p, f == 0 ? "read" : f == 1 ? "write" : "cas", value, call, type, ret});
      if (type != "fail") plain.push_back({f, a, b, call, ret, type == "info"});
      clock[p] = type == "info" ? -1 : ret + 1;
    }
    std::vector<bool> done(plain.size(), false);
    bool want = plain_linearizable(plain, done, 0);
    Linearizability got = verdict_of(ops);
    not_linearizable += !want;
    ASSERT_EQ(got, want ? Linearizability::Linearizable : Linearizability::NotLinearizable)
        << "trial " << trial;
  }
  EXPECT_GT(not_linearizable, 300) << "the random histories exercise both answers";
}

TEST(Checker, JepsenLogLinesInEveryForm) {
  // Tabs or spaces; a timed-out read constrains nothing; an info write may have happened.
  std::istringstream in(
      "INFO  jepsen.util - 0\t:invoke\t:write\t1\n"
      "INFO  jepsen.util - 0\t:ok\t:write\t1\n"
      "INFO  jepsen.util - 1 :invoke :cas [1 4]\n"
      "INFO  jepsen.util - 1 :ok :cas [1 4]\n"
      "INFO  jepsen.util - 2\t:invoke\t:read\tnil\n"
      "INFO  jepsen.util - 2\t:fail\t:read\t:timed-out\n"
      "INFO  jepsen.util - 3\t:invoke\t:write\t2\n"
      "INFO  jepsen.util - 3\t:info\t:write\t:timed-out\n"
      "INFO  jepsen.util - :nemesis\t:info\t:start\tnil\n"
      "\n"
      "INFO  jepsen.util - 4\t:invoke\t:read\tnil\n"
      "INFO  jepsen.util - 4\t:ok\t:read\t2\n");
  History h = read_jepsen_log(in, "h.log");
  ASSERT_EQ(h.ops.size(), 5u);
  EXPECT_FALSE(h.timed);
  EXPECT_EQ(h.ops[1].label(), "cas 1\u21924");
  EXPECT_EQ(h.ops[2].outcome, OpOutcome::Fail);
  EXPECT_EQ(h.ops[3].outcome, OpOutcome::Info);
  EXPECT_EQ(h.ops[3].value, "2");
  EXPECT_EQ(h.ops[4].value, "2");
  EXPECT_EQ(check_linearizable_register(h).verdict, Linearizability::Linearizable);
}

TEST(Checker, BadLinesNameFileLineAndField) {
  EXPECT_EQ(error_of("{\"process\": 1, \"type\": \"invoke\", \"f\": \"read\", \"time\": 1}\n"
                     "{\"process\": 1, \"type\": \"ok\", \"f\": \"read\", \"value\": 1,\n"),
            "h.jsonl:2: json: Missing a name for object member. (at column 54)");
  EXPECT_EQ(error_of("{\"type\": \"invoke\", \"f\": \"read\", \"time\": 1}\n"),
            "h.jsonl:1: process: missing (required)");
  EXPECT_EQ(error_of("{\"process\": 1, \"type\": \"begin\", \"f\": \"read\", \"time\": 1}\n"),
            "h.jsonl:1: type: must be \"invoke\", \"ok\", \"fail\" or \"info\"");
  EXPECT_EQ(error_of("{\"process\": 1, \"type\": \"invoke\", \"f\": \"append\", \"time\": 1}\n"),
            "h.jsonl:1: f: 'append' is not \"read\", \"write\" or \"cas\" (the checker knows "
            "registers)");
  EXPECT_EQ(error_of("\n{\"process\": 1, \"type\": \"ok\", \"f\": \"read\", \"value\": 1, "
                     "\"time\": 1}\n"),
            "h.jsonl:2: type: process 1 completes a read (ok) it never invoked");
  EXPECT_EQ(error_of("{\"process\": 1, \"type\": \"invoke\", \"f\": \"cas\", \"value\": 3, "
                     "\"time\": 1}\n"),
            "h.jsonl:1: value: a cas's value must be [expected, new]");
  EXPECT_EQ(error_of("{\"process\": 1, \"type\": \"invoke\", \"f\": \"read\", \"time\": 1}\n"
                     "{\"process\": 1, \"type\": \"invoke\", \"f\": \"write\", \"value\": 2, "
                     "\"time\": 2}\n"),
            "h.jsonl:2: type: process 1 invokes a write while its read from line 1 has not "
            "completed");
  EXPECT_EQ(error_of("{\"process\": 1, \"type\": \"invoke\", \"f\": \"read\", \"time\": 5}\n"
                     "{\"process\": 1, \"type\": \"ok\", \"f\": \"read\", \"value\": 1, "
                     "\"time\": 4}\n"),
            "h.jsonl:2: time: 4 is before the invocation's 5 (line 1)");
  EXPECT_EQ(error_of("{\"process\": 1, \"type\": \"invoke\", \"f\": \"read\", \"time\": 1.5}\n"),
            "h.jsonl:1: time: must be an integer (nanoseconds)");
  EXPECT_EQ(error_of("INFO  jepsen.util - 3\t:invoke\t:cas\t[1]\n", true),
            "h.log:1: value: '[1]' is not [expected new]");
  EXPECT_EQ(error_of("hello\n", true),
            "h.log:1: line: not a Jepsen history line (LEVEL LOGGER - PROCESS :TYPE :F VALUE, "
            "e.g. 'INFO  jepsen.util - 3 :invoke :write 4')");
}

TEST(Checker, TruncatedLastLineIsAnEventNeverRecorded) {
  // A workload killed mid-write: the read's completion was never written whole, so the read
  // stays pending and constrains nothing.
  std::istringstream in(
      "{\"process\": 1, \"type\": \"invoke\", \"f\": \"read\", \"time\": 1}\n"
      "{\"process\": 1, \"type\": \"ok\", \"f\": \"read\", \"val");
  History h = read_json_lines(in, "h.jsonl");
  ASSERT_EQ(h.ops.size(), 1u);
  EXPECT_EQ(h.ops[0].outcome, OpOutcome::Info);
}

TEST(Checker, ValuesCompareAsCanonicalText) {
  // 3 written as an integer and read back as the string "3" are the same value.
  std::istringstream in(
      "{\"process\": 1, \"type\": \"invoke\", \"f\": \"write\", \"value\": 3, \"time\": 1}\n"
      "{\"process\": 1, \"type\": \"ok\", \"f\": \"write\", \"value\": 3, \"time\": 2}\n"
      "{\"process\": 2, \"type\": \"invoke\", \"f\": \"read\", \"value\": null, \"time\": 3}\n"
      "{\"process\": 2, \"type\": \"ok\", \"f\": \"read\", \"value\": \"3\", \"time\": 4}\n");
  EXPECT_EQ(check_linearizable_register(read_json_lines(in, "h.jsonl")).verdict,
            Linearizability::Linearizable);
}

TEST(Checker, InfoOpsAreDrawnOpenEnded) {
  // 2 was seen, then 1 again: the info write of 2 is part of why that cannot be ordered.
  History h = history_of({{1, "write", "1", 0, "ok", 10},
                          {2, "write", "2", 20, "info", 30},
                          {3, "read", "2", 100, "ok", 110},
                          {3, "read", "1", 120, "ok", 130}});
  CheckResult r = check_linearizable_register(h);
  ASSERT_EQ(r.verdict, Linearizability::NotLinearizable);
  std::string svg = timeline_svg(h, *r.counterexample);
  EXPECT_NE(svg.find("stroke-dasharray"), std::string::npos) << svg;
  EXPECT_NE(svg.find(">w 2 ?</text>"), std::string::npos) << svg;
  // The write of 1 ended before the write of 2 began, so 1 cannot come back after 2.
  EXPECT_EQ(r.counterexample->explanation,
            "not linearizable: a read, invoked at 0.100 s by process 3, saw 2, then a later read, "
            "invoked at 0.120 s by process 3, saw 1, an older value: the write of 1 it could have "
            "seen ended at 0.010 s, before any write of 2 the first could have seen began");
}

}  // namespace
}  // namespace fissure::checker
