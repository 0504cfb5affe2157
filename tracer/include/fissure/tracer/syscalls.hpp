// The syscall table: every syscall fissure stops at, declared once as data. The seccomp
// filter, the tracer's dispatch and the names in traces are all built from these rows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace fissure {

// What a syscall does to the communication record.
enum SysFlag : std::uint32_t {
  kSend = 1u << 0,       // moves bytes out through its fd (socket, pipe, file of interest)
  kRecv = 1u << 1,       // moves bytes in through its fd (socket or pipe)
  kFileOnly = 1u << 2,   // only meaningful on regular files (pwrite64, fsync, ...)
  kSetup = 1u << 3,      // creates or connects a channel: always worth its exit stop
  kClose = 1u << 4,      // closes fds
  kDup = 1u << 5,        // duplicates an fd (result or arg 1 is the new fd)
  kSync = 1u << 6,       // fsync / fdatasync
  kProcess = 1u << 7,    // exec / exit / fork family
  kNoFd = 1u << 8,       // arg 0 is not an fd
  kDgramAddr = 1u << 9,  // carries a peer address for datagrams (sendto/recvfrom/msg)
  // Seen through ptrace events (PTRACE_O_TRACEFORK...), not the seccomp filter: a filter
  // stop there would cost a stop for nothing.
  kPtraceEvent = 1u << 10,
  // Traced only for the commands in arg 1 that duplicate an fd (F_DUPFD, F_DUPFD_CLOEXEC):
  // fcntl(F_SETFL) and friends run free (Redis calls it on every accepted connection).
  kDupCmdOnly = 1u << 11,
};

// How a data syscall describes its buffers, so the tracer knows the bytes asked for.
enum class BufShape : std::uint8_t { None, Plain, Iov, Msg, MMsg };

// Where the call names what it reaches (Event::peer), read by one function for every row.
enum class PeerArg : std::uint8_t {
  None,
  Addr1Len2,    // sockaddr at arg 1, its length in arg 2 (connect, bind)
  Addr4Len5,    // sockaddr at arg 4, its length in arg 5 (sendto)
  Addr4LenAt5,  // sockaddr at arg 4, its length at the address in arg 5 (recvfrom)
  MsgName1,     // the msghdr at arg 1 holds it (sendmsg, recvmsg)
  MMsgName1,    // each mmsghdr of the vector at arg 1 holds its own (sendmmsg, recvmmsg)
  FdPairAt0,    // the two new fds at the address in arg 0 (pipe, pipe2)
  FdPairAt3,    // the two new fds at the address in arg 3 (socketpair)
  Path0,        // a path string at arg 0 (execve)
  Path1,        // a path string at arg 1 (execveat)
};

// Which handlers the tracer runs at a call's entry and exit stops: the rows name them, as
// strace's SEN() does, so dispatch is a lookup.
enum class SysClass : std::uint8_t {
  Data,        // moves bytes: recorded, deferred or injected into
  Socket,      // a new socket: recorded at its exit
  Bind,        // names this end
  Listen,      // makes a listening socket
  Connect,     // a connection to a peer: a point for faults
  Accept,      // a connection from a peer: a point for faults
  Shutdown,    // ends a stream in one or both directions
  FdPair,      // two connected fds (pipe, socketpair)
  Close,       // closes one fd
  CloseRange,  // closes a range of fds
  Dup,         // a copy of an fd in a free slot
  DupOnto,     // a copy of an fd onto arg 1, closing what was there
  Exec,        // replaces the program; close-on-exec fds go
  ExitGroup,   // the whole process ends
  Spawn,       // a new task, seen through its ptrace event
};
inline constexpr std::size_t kSysClasses = static_cast<std::size_t>(SysClass::Spawn) + 1;

// X(name, flags, shape, class, peer, flags_arg). Names are the kernel's (x86-64); flags_arg
// is the argument holding MSG_* flags (MSG_PEEK), -1 when there is none. Reads of regular
// files are not communication, so pread64/preadv are left out: they would cost a stop and
// record nothing.
#define FISSURE_SYSCALLS(X)                                                  \
  X(read, kRecv, BufShape::Plain, Data, None, -1)                            \
  X(write, kSend, BufShape::Plain, Data, None, -1)                           \
  X(readv, kRecv, BufShape::Iov, Data, None, -1)                             \
  X(writev, kSend, BufShape::Iov, Data, None, -1)                            \
  X(pwrite64, kSend | kFileOnly, BufShape::Plain, Data, None, -1)            \
  X(recvfrom, kRecv | kDgramAddr, BufShape::Plain, Data, Addr4LenAt5, 3)     \
  X(sendto, kSend | kDgramAddr, BufShape::Plain, Data, Addr4Len5, 3)         \
  X(recvmsg, kRecv | kDgramAddr, BufShape::Msg, Data, MsgName1, 2)           \
  X(sendmsg, kSend | kDgramAddr, BufShape::Msg, Data, MsgName1, 2)           \
  X(recvmmsg, kRecv | kDgramAddr, BufShape::MMsg, Data, MMsgName1, 3)        \
  X(sendmmsg, kSend | kDgramAddr, BufShape::MMsg, Data, MMsgName1, 3)        \
  X(fsync, kSync | kFileOnly, BufShape::None, Data, None, -1)                \
  X(fdatasync, kSync | kFileOnly, BufShape::None, Data, None, -1)            \
  X(socket, kSetup | kNoFd, BufShape::None, Socket, None, -1)                \
  X(socketpair, kSetup | kNoFd, BufShape::None, FdPair, FdPairAt3, -1)       \
  X(bind, kSetup, BufShape::None, Bind, Addr1Len2, -1)                       \
  X(listen, kSetup, BufShape::None, Listen, None, -1)                        \
  X(connect, kSetup, BufShape::None, Connect, Addr1Len2, -1)                 \
  X(accept, kSetup, BufShape::None, Accept, None, -1)                        \
  X(accept4, kSetup, BufShape::None, Accept, None, -1)                       \
  X(shutdown, kSetup, BufShape::None, Shutdown, None, -1)                    \
  X(pipe, kSetup | kNoFd, BufShape::None, FdPair, FdPairAt0, -1)             \
  X(pipe2, kSetup | kNoFd, BufShape::None, FdPair, FdPairAt0, -1)            \
  X(close, kClose, BufShape::None, Close, None, -1)                          \
  X(close_range, kClose | kNoFd, BufShape::None, CloseRange, None, -1)       \
  X(dup, kDup, BufShape::None, Dup, None, -1)                                \
  X(dup2, kDup, BufShape::None, DupOnto, None, -1)                           \
  X(dup3, kDup, BufShape::None, DupOnto, None, -1)                           \
  X(fcntl, kDup | kDupCmdOnly, BufShape::None, Dup, None, -1)                \
  X(execve, kProcess | kNoFd, BufShape::None, Exec, Path0, -1)               \
  X(execveat, kProcess | kNoFd, BufShape::None, Exec, Path1, -1)             \
  X(exit_group, kProcess | kNoFd, BufShape::None, ExitGroup, None, -1)       \
  X(fork, kProcess | kNoFd | kPtraceEvent, BufShape::None, Spawn, None, -1)  \
  X(vfork, kProcess | kNoFd | kPtraceEvent, BufShape::None, Spawn, None, -1) \
  X(clone, kProcess | kNoFd | kPtraceEvent, BufShape::None, Spawn, None, -1) \
  X(clone3, kProcess | kNoFd | kPtraceEvent, BufShape::None, Spawn, None, -1)

enum class Sys : std::uint16_t {
#define FISSURE_ENUM(name, flags, shape, cls, peer, flags_arg) name,
  FISSURE_SYSCALLS(FISSURE_ENUM)
#undef FISSURE_ENUM
};

struct SysInfo {
  Sys sys;
  std::string_view name;
  long nr;  // x86-64 syscall number
  std::uint32_t flags;
  BufShape shape;
  SysClass cls;
  PeerArg peer;
  std::int8_t flags_arg;  // the argument with MSG_* flags, -1 when none

  bool in_filter() const { return !has(kPtraceEvent); }
  bool has(std::uint32_t f) const { return (flags & f) != 0; }
};

std::span<const SysInfo> syscall_table();
const SysInfo& sys_info(Sys s);
const SysInfo* sys_info_by_nr(long nr);  // nullptr if fissure does not trace it
std::string_view to_string(Sys s);
std::optional<Sys> sys_from_string(std::string_view name);

}  // namespace fissure
