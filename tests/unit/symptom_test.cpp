// Verdict classes, and how a failure is named: its bucket key and its title.
#include "symptom.hpp"

#include <gtest/gtest.h>

#include "campaign.hpp"

namespace fissure {
namespace {

TEST(Verdict, AFailureOfEachClassHasItsKind) {
  EXPECT_EQ(Verdict::failure(VerdictClass::Safety, "x").kind, VerdictKind::Bug);
  EXPECT_EQ(Verdict::failure(VerdictClass::Crash, "x").kind, VerdictKind::Bug);
  EXPECT_EQ(Verdict::failure(VerdictClass::Liveness, "x").kind, VerdictKind::Hang);
  EXPECT_EQ(Verdict::good("x").cls, VerdictClass::None);
}

TEST(Verdict, ClassesAreNamedOnDiskAndReadBack) {
  EXPECT_EQ(to_string(VerdictClass::Safety), "safety");
  EXPECT_EQ(to_string(VerdictClass::Liveness), "liveness");
  EXPECT_EQ(to_string(VerdictClass::Crash), "crash");
  EXPECT_EQ(to_string(VerdictClass::None), "");
  EXPECT_EQ(verdict_class_from_string("crash"), VerdictClass::Crash);
  EXPECT_EQ(verdict_class_from_string(""), VerdictClass::None);
  EXPECT_EQ(verdict_class_from_string("?"), std::nullopt);
  // A record from before classes: a hang was a liveness failure, a bug a wrong answer.
  EXPECT_EQ(legacy_class(VerdictKind::Hang), VerdictClass::Liveness);
  EXPECT_EQ(legacy_class(VerdictKind::Bug), VerdictClass::Safety);
  EXPECT_EQ(legacy_class(VerdictKind::Good), VerdictClass::None);
}

TEST(Symptom, TheKeyBlanksNumbersAndKeepsTheKindAsBefore) {
  Verdict v = Verdict::failure(VerdictClass::Safety,
                               "workload node 'client' exited with 12 (expected 0)");
  // The same text checkpoints of earlier releases hold, so their bugs still match on resume.
  EXPECT_EQ(symptom_key(v), "bug: workload node 'client' exited with # (expected #)");
  Verdict other = Verdict::failure(VerdictClass::Safety,
                                   "workload node 'client' exited with 3 (expected 0)");
  EXPECT_EQ(symptom_key(v), symptom_key(other)) << "numbers vary from run to run";
  EXPECT_EQ(symptom_key(Verdict::failure(VerdictClass::Liveness, "timeout after 400ms")),
            "hang: timeout after #ms");
}

// One crash plan of tcp_server ends its client with "unexpected EOF" in one run and with
// "read: Connection reset by peer" in another: one bug, not two flaky ones.
TEST(Symptom, TheKeyLeavesOutTheNodesLastWords) {
  auto key = [](VerdictClass c, const std::string& m) {
    return symptom_key(Verdict::failure(c, m));
  };
  EXPECT_EQ(key(VerdictClass::Safety,
                "workload node 'client' exited with 2 (expected 0): tcp_client: unexpected EOF"),
            "bug: workload node 'client' exited with # (expected #)");
  EXPECT_EQ(key(VerdictClass::Safety, "workload node 'client' exited with 2 (expected 0): "
                                      "tcp_client: read: Connection reset by peer"),
            "bug: workload node 'client' exited with # (expected #)");
  EXPECT_EQ(key(VerdictClass::Crash,
                "node 'service' was killed by signal 6 (SIGABRT): assertion failed: log index 7"),
            "bug: node 'service' was killed by signal # (SIGABRT)");
  EXPECT_EQ(key(VerdictClass::Crash, "workload node 'client' was killed by signal 13 (SIGPIPE)"),
            "bug: workload node 'client' was killed by signal # (SIGPIPE)");
  EXPECT_EQ(key(VerdictClass::Crash, "node 'n' was killed by signal 40: rt signal"),
            "bug: node 'n' was killed by signal #");
  // The oracle's verdict after the workload's words is the oracle's answer: it stays.
  EXPECT_EQ(key(VerdictClass::Safety,
                "workload node 'client' exited with 1 (expected 0): gave up; oracle: lost 3"),
            "bug: workload node 'client' exited with # (expected #); oracle: lost #");
  // An oracle's own message is all the oracle's: nothing is cut.
  EXPECT_EQ(key(VerdictClass::Safety, "node 'a' said: lost write 4"),
            "bug: node 'a' said: lost write #");
}

TEST(Symptom, TitlesKeepTheNumbersAndSayTheClass) {
  const std::string said =
      "workload node 'client' exited with 1 (expected 0): acknowledged write lost: backup has '-'";
  std::string title = symptom_title(VerdictClass::Safety, said);
  EXPECT_EQ(title, "Safety: " + said);
  EXPECT_EQ(title.find('#'), std::string::npos);
  EXPECT_EQ(symptom_title(VerdictClass::Crash, "node 'server' was killed by signal 11 (SIGSEGV)"),
            "Crash: node 'server' was killed by signal 11 (SIGSEGV)");
  EXPECT_EQ(symptom_title(VerdictClass::Liveness, "timeout after 400ms while the workload ran"),
            "Liveness: timeout after 400ms while the workload ran");
}

TEST(Symptom, ATitleIsOneLine) {
  EXPECT_EQ(symptom_title(VerdictClass::Safety, "lost write: got 41\nfull dump follows\n"),
            "Safety: lost write: got 41 ...");
  EXPECT_EQ(symptom_title(VerdictClass::Safety, "lost write: got 41\n"),
            "Safety: lost write: got 41")
      << "a trailing newline is not more text";
  EXPECT_EQ(symptom_title(VerdictClass::Safety, ""), "Safety: (no message)");
  std::string title = symptom_title(VerdictClass::Safety, std::string(500, 'x'));
  EXPECT_EQ(title, "Safety: " + std::string(200, 'x') + " ...");
}

TEST(Symptom, ABugNoReplayShowedAgainIsFlaky) {
  BugReport b;
  EXPECT_FALSE(b.flaky()) << "not replayed yet: nothing is known";
  b.replays = 5;
  EXPECT_TRUE(b.flaky());
  b.reproduced = 1;
  EXPECT_FALSE(b.flaky());
}

}  // namespace
}  // namespace fissure
