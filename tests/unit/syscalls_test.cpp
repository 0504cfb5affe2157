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

// The columns the tracer's dispatch reads instead of testing syscall names.
TEST(Syscalls, RowsSayWhereTheirArgumentsAre) {
  for (const SysInfo& row : syscall_table()) {
    EXPECT_EQ(row.cls == SysClass::Data, row.has(kSend | kRecv | kSync)) << row.name;
    EXPECT_EQ(row.cls == SysClass::Spawn, !row.in_filter()) << row.name;
    EXPECT_EQ(row.flags_arg >= 0, row.has(kDgramAddr)) << row.name;
  }
  EXPECT_EQ(sys_info(Sys::recvfrom).flags_arg, 3);
  EXPECT_EQ(sys_info(Sys::recvmsg).flags_arg, 2);
  EXPECT_EQ(sys_info(Sys::connect).peer, PeerArg::Addr1Len2);
  EXPECT_EQ(sys_info(Sys::sendto).peer, PeerArg::Addr4Len5);
  EXPECT_EQ(sys_info(Sys::recvfrom).peer, PeerArg::Addr4LenAt5);
  EXPECT_EQ(sys_info(Sys::socketpair).peer, PeerArg::FdPairAt3);
  EXPECT_EQ(sys_info(Sys::execveat).peer, PeerArg::Path1);
  // Only fcntl's duplicating commands stop: F_SETFL runs free.
  EXPECT_TRUE(sys_info(Sys::fcntl).has(kDupCmdOnly));
  EXPECT_EQ(sys_info(Sys::fcntl).cls, SysClass::Dup);
  EXPECT_EQ(sys_info(Sys::dup2).cls, SysClass::DupOnto);
}

}  // namespace
}  // namespace fissure
