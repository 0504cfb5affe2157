#include "wait_status.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

namespace fissure::detail {
namespace {

// The kernel's encoding (wait(2), ptrace(2)), written out by hand: low byte 0x7f for a
// stop, the stop signal in the next byte, a ptrace event above that; exit code in the
// second byte of a zero low byte; a fatal signal alone in the low 7 bits.
constexpr int stop(int sig, int event = 0) {
  return (event << 16) | (sig << 8) | 0x7f;
}

TEST(WaitStatus, Exit) {
  WaitStatus s(3 << 8);
  EXPECT_EQ(s.type(), WaitStatus::Type::Exited);
  EXPECT_TRUE(s.gone());
  EXPECT_FALSE(s.stopped());
  EXPECT_EQ(s.exit_code(), 3);
  EXPECT_EQ(s.fatal_signal(), 0);
}

TEST(WaitStatus, FatalSignal) {
  WaitStatus s(9);
  EXPECT_EQ(s.type(), WaitStatus::Type::Killed);
  EXPECT_TRUE(s.gone());
  EXPECT_EQ(s.fatal_signal(), 9);
  EXPECT_EQ(s.exit_code(), -1);
  EXPECT_EQ(WaitStatus(11 | 0x80).fatal_signal(), 11);  // with a core dump
}

TEST(WaitStatus, SyscallStop) {
  WaitStatus s(stop(5 | 0x80));
  EXPECT_EQ(s.type(), WaitStatus::Type::SyscallStop);
  EXPECT_EQ(s.ptrace_event(), 0);
  EXPECT_FALSE(s.seccomp_stop());
}

TEST(WaitStatus, PtraceEvents) {
  EXPECT_TRUE(WaitStatus(stop(5, 7)).seccomp_stop());
  EXPECT_EQ(WaitStatus(stop(5, 7)).type(), WaitStatus::Type::PtraceEvent);
  for (int e : {1, 2, 3}) {  // fork, vfork, clone
    EXPECT_TRUE(WaitStatus(stop(5, e)).spawn_event()) << e;
    EXPECT_EQ(WaitStatus(stop(5, e)).ptrace_event(), e);
  }
  EXPECT_TRUE(WaitStatus(stop(5, 4)).exec_event());
  EXPECT_FALSE(WaitStatus(stop(5, 4)).spawn_event());
  EXPECT_FALSE(WaitStatus(stop(5)).seccomp_stop());  // a plain SIGTRAP
}

TEST(WaitStatus, SignalAndGroupStops) {
  WaitStatus delivery(stop(15));
  EXPECT_EQ(delivery.type(), WaitStatus::Type::SignalStop);
  EXPECT_EQ(delivery.stop_signal(), 15);
  EXPECT_FALSE(delivery.group_stop());
  // A seized task's group-stop: the stop signal with PTRACE_EVENT_STOP (128).
  WaitStatus group(stop(19, 128));
  EXPECT_TRUE(group.group_stop());
  EXPECT_EQ(group.type(), WaitStatus::Type::SignalStop);
  EXPECT_EQ(group.stop_signal(), 19);
}

TEST(WaitStatus, AgreesWithTheLibcMacros) {
  for (int raw : {0, 1 << 8, 255 << 8, 9, 0x8b, stop(19), stop(5 | 0x80), stop(5, 7)}) {
    WaitStatus s(raw);
    EXPECT_EQ(s.stopped(), WIFSTOPPED(raw)) << raw;
    EXPECT_EQ(s.gone(), WIFEXITED(raw) || WIFSIGNALED(raw)) << raw;
  }
}

}  // namespace
}  // namespace fissure::detail
