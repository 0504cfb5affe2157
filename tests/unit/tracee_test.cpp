// A failed ptrace call is an error that names the call and the task; a task that is gone is
// an answer, not an error.
#include "tracee.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "fissure/tracer/tracer.hpp"

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
