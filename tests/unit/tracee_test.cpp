// A failed ptrace call is an error that names the call and the task; a task that is gone is
// an answer, not an error.
#include "tracee.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "fissure/tracer/tracer.hpp"
#include "wait_status.hpp"

namespace fissure::detail {
namespace {

// A child stopped under our ptrace (PTRACE_TRACEME, then its own SIGSTOP).
pid_t traced_child() {
  pid_t pid = fork();
  if (pid == 0) {
    if (!Tracee::trace_me()) _exit(125);
    raise(SIGSTOP);
    _exit(0);
  }
  int status = 0;
  EXPECT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFSTOPPED(status));
  return pid;
}

void reap(pid_t pid) {
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
}

TEST(Tracee, AFailedCallNamesTheCallAndTheTask) {
  pid_t pid = traced_child();
  Tracee t(pid);
  try {
    t.set_options(1L << 30);  // no such option: EINVAL
    ADD_FAILURE() << "PTRACE_SETOPTIONS with an unknown option succeeded";
  } catch (const RunError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("PTRACE_SETOPTIONS"), std::string::npos) << what;
    EXPECT_NE(what.find("task " + std::to_string(pid)), std::string::npos) << what;
    EXPECT_NE(what.find("Invalid argument"), std::string::npos) << what;
  }
  reap(pid);
}

TEST(Tracee, ReadsRegistersOfAStoppedTask) {
  pid_t pid = traced_child();
  auto regs = Tracee(pid).regs();
  ASSERT_TRUE(regs.has_value());
  // Stopped by its own raise(): the signal-delivery stop has siginfo naming SIGSTOP.
  auto si = Tracee(pid).siginfo();
  ASSERT_TRUE(si.has_value());
  EXPECT_EQ(si->si_signo, SIGSTOP);
  reap(pid);
}

// What the session relies on for job control: a seized task's group-stop is told apart
// from a signal on its way (PTRACE_EVENT_STOP with the stopping signal), PTRACE_LISTEN
// leaves it stopped, and SIGCONT wakes the tracer with the same event and SIGTRAP.
TEST(Tracee, ASeizedTasksGroupStopStaysUntilSigcont) {
  pid_t pid = fork();
  if (pid == 0) {
    for (;;) pause();
  }
  ASSERT_EQ(Tracee::seize(pid, 0), 0);
  auto next_stop = [&] {
    int status = 0;
    EXPECT_EQ(waitpid(pid, &status, __WALL), pid);
    return WaitStatus(status);
  };
  kill(pid, SIGSTOP);
  WaitStatus delivery = next_stop();
  EXPECT_EQ(delivery.stop_signal(), SIGSTOP);
  EXPECT_FALSE(delivery.group_stop()) << "first the signal on its way";
  ASSERT_TRUE(Tracee(pid).resume(false, SIGSTOP));
  WaitStatus group = next_stop();
  EXPECT_TRUE(group.group_stop());
  EXPECT_EQ(group.stop_signal(), SIGSTOP);
  ASSERT_TRUE(Tracee(pid).listen());
  int status = 0;
  usleep(50'000);
  EXPECT_EQ(waitpid(pid, &status, __WALL | WNOHANG), 0) << "nothing happens while it listens";
  kill(pid, SIGCONT);
  WaitStatus woken = next_stop();
  EXPECT_TRUE(woken.group_stop());
  EXPECT_EQ(woken.stop_signal(), SIGTRAP);
  reap(pid);
}

TEST(Tracee, SeizingNoTaskSaysWhy) {
  pid_t pid = fork();
  if (pid == 0) _exit(0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_EQ(Tracee::seize(pid, 0), ESRCH);
}

TEST(Tracee, AGoneTaskIsAnAnswer) {
  pid_t pid = fork();
  if (pid == 0) _exit(0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  Tracee t(pid);  // reaped: no such task any more
  EXPECT_FALSE(t.regs().has_value());
  EXPECT_FALSE(t.resume(false));
  EXPECT_FALSE(t.event_message().has_value());
}

}  // namespace
}  // namespace fissure::detail
