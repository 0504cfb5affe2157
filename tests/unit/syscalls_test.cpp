#include "fissure/tracer/syscalls.hpp"

#include <gtest/gtest.h>
#include <sys/syscall.h>

#include <set>

namespace fissure {
namespace {

TEST(Syscalls, TableRowsAreConsistent) {
  std::set<long> numbers;
  for (const SysInfo& row : syscall_table()) {
    EXPECT_TRUE(numbers.insert(row.nr).second) << row.name << " listed twice";
    ASSERT_NE(sys_info_by_nr(row.nr), nullptr) << row.name;
    EXPECT_EQ(sys_info_by_nr(row.nr)->sys, row.sys);
    EXPECT_EQ(sys_from_string(row.name), row.sys);
    EXPECT_EQ(&sys_info(row.sys), &row);
  }
  EXPECT_EQ(sys_info_by_nr(SYS_getpid), nullptr);
  EXPECT_EQ(sys_info_by_nr(-1), nullptr);
  EXPECT_EQ(sys_info_by_nr(100000), nullptr);
}

TEST(Syscalls, CoversTheCommunicationCalls) {
  for (const char* name :
       {"socket",    "socketpair", "bind",     "listen",   "connect", "accept",      "accept4",
        "sendto",    "sendmsg",    "sendmmsg", "recvfrom", "recvmsg", "recvmmsg",    "read",
        "write",     "readv",      "writev",   "pwrite64", "close",   "close_range", "shutdown",
        "dup",       "dup2",       "dup3",     "fcntl",    "pipe",    "pipe2",       "fsync",
        "fdatasync", "clone",      "clone3",   "fork",     "vfork",   "execve",      "exit_group"})
    EXPECT_TRUE(sys_from_string(name).has_value()) << name;
  EXPECT_EQ(sys_info_by_nr(SYS_read)->flags & kRecv, kRecv);
  EXPECT_EQ(sys_info_by_nr(SYS_sendmmsg)->shape, BufShape::MMsg);
  // fork and friends are seen through ptrace events, not filter stops.
  EXPECT_FALSE(sys_info(Sys::clone).in_filter());
  EXPECT_TRUE(sys_info(Sys::execve).in_filter());
  EXPECT_TRUE(sys_info(Sys::write).in_filter());
}

}  // namespace
}  // namespace fissure
