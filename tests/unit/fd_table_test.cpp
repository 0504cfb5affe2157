// File tables through fork, CLONE_FILES, exec and dup2, as the kernel keeps them: no
// process is started.
#include "fd_table.hpp"

#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>

#include <set>

#include "fd_tables.hpp"

namespace fissure::detail {
namespace {

FdInfo socket_fd(std::int32_t channel, std::uint64_t inode) {
  FdInfo i;
  i.kind = FdInfo::Kind::Socket;
  i.channel = channel;
  i.inode = inode;
  return i;
}

FdInfo pipe_fd(std::int32_t channel) {
  FdInfo i;
  i.kind = FdInfo::Kind::Pipe;
  i.ckind = ChannelKind::Pipe;
  i.channel = channel;
  return i;
}

TEST(FdTable, ForkCopies) {
  FdTables t;
  t.of(100).assign(3, socket_fd(0, 11));
  t.spawned(100, 200, SIGCHLD);  // fork(): clone flags are the exit signal only
  ASSERT_NE(t.of(200).find(3), nullptr);
  EXPECT_EQ(t.of(200).find(3)->inode, 11u);
  EXPECT_FALSE(t.shared(100, 200));
  // The child's close does not close the parent's fd, nor the other way round.
  EXPECT_TRUE(t.of(200).take(3).has_value());
  EXPECT_NE(t.of(100).find(3), nullptr);
  t.of(100).assign(4, pipe_fd(1));
  EXPECT_EQ(t.of(200).find(4), nullptr);
}

TEST(FdTable, CloneFilesShares) {
  FdTables t;
  t.of(100).assign(3, socket_fd(0, 11));
  t.spawned(100, 200, CLONE_FILES | SIGCHLD);  // a process, not a thread, with one table
  EXPECT_TRUE(t.shared(100, 200));
  t.of(200).assign(5, pipe_fd(2));
  ASSERT_NE(t.of(100).find(5), nullptr);
  EXPECT_EQ(t.of(100).find(5)->channel, 2);
  ASSERT_TRUE(t.of(100).take(3).has_value());
  EXPECT_EQ(t.of(200).find(3), nullptr);
  // One exits: the other keeps the table.
  t.exited(100);
  EXPECT_NE(t.of(200).find(5), nullptr);
}

TEST(FdTable, ThreadsUseTheirGroupsTable) {
  FdTables t;
  t.of(100).assign(3, socket_fd(0, 11));
  t.spawned(100, 101, CLONE_THREAD | CLONE_FILES | CLONE_VM | CLONE_SIGHAND);
  EXPECT_FALSE(t.shared(100, 101));  // the thread has no table of its own: it uses tgid 100's
  EXPECT_EQ(t.of(100).size(), 1u);
}

TEST(FdTable, ExecForgetsAndUnshares) {
  FdTables t;
  FdTable& before = t.of(100);
  before.assign(3, socket_fd(0, 11));  // close-on-exec
  before.assign(4, pipe_fd(1));        // inherited
  before.assign(5, FdInfo{});          // ignored (a netlink socket, say): never a channel
  std::set<int> cloexec{3, 5};
  // The fds exec closes, to record as closes before it runs: ignored ones are no channels.
  EXPECT_EQ(before.closed_by_exec([&](int fd) { return cloexec.contains(fd); }),
            (std::vector<int>{3}));
  t.spawned(100, 200, CLONE_FILES);
  t.exec(200);
  EXPECT_FALSE(t.shared(100, 200));  // exec unshares the table
  EXPECT_EQ(t.of(200).size(), 0u);   // and learns its fds again
  EXPECT_EQ(t.of(100).size(), 3u);   // the other sharer keeps its fds
}

TEST(FdTable, Dup2OverAnOpenFd) {
  FdTable t;
  t.assign(3, socket_fd(0, 11));
  t.assign(4, pipe_fd(1));
  // dup2(3, 4): fd 4 (the pipe) is closed first, then names fd 3's socket.
  std::optional<FdInfo> closed = t.take(4);
  ASSERT_TRUE(closed.has_value());
  EXPECT_EQ(closed->kind, FdInfo::Kind::Pipe);
  EXPECT_EQ(closed->channel, 1);
  t.assign(4, *t.find(3));
  EXPECT_EQ(t.find(4)->kind, FdInfo::Kind::Socket);
  EXPECT_EQ(t.find(4)->inode, 11u);
  EXPECT_EQ(t.size(), 2u);
}

TEST(FdTable, CloseRange) {
  FdTable t;
  for (int fd : {0, 3, 7, 9, 12}) t.assign(fd, pipe_fd(fd));
  EXPECT_EQ(t.in_range(3, 9), (std::vector<int>{3, 7, 9}));
  EXPECT_EQ(t.in_range(10, ~0u), (std::vector<int>{12}));
  EXPECT_TRUE(t.in_range(13, 20).empty());
}

}  // namespace
}  // namespace fissure::detail
