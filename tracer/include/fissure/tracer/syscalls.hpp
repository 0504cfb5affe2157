// The syscall table: every syscall fissure stops at, declared once as data. The seccomp
// filter, the tracer's dispatch and the names in traces are all built from these rows.
#pragma once

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
};

// How a data syscall describes its buffers, so the tracer knows the bytes asked for.
enum class BufShape : std::uint8_t { None, Plain, Iov, Msg, MMsg };

// X(name, flags, shape). Names are the kernel's (x86-64). Reads of regular files are not
// communication, so pread64/preadv are left out: they would cost a stop and record nothing.
#define FISSURE_SYSCALLS(X)                                    \
  X(read, kRecv, BufShape::Plain)                              \
  X(write, kSend, BufShape::Plain)                             \
  X(readv, kRecv, BufShape::Iov)                               \
  X(writev, kSend, BufShape::Iov)                              \
  X(pwrite64, kSend | kFileOnly, BufShape::Plain)              \
  X(recvfrom, kRecv | kDgramAddr, BufShape::Plain)             \
  X(sendto, kSend | kDgramAddr, BufShape::Plain)               \
  X(recvmsg, kRecv | kDgramAddr, BufShape::Msg)                \
  X(sendmsg, kSend | kDgramAddr, BufShape::Msg)                \
  X(recvmmsg, kRecv | kDgramAddr, BufShape::MMsg)              \
  X(sendmmsg, kSend | kDgramAddr, BufShape::MMsg)              \
  X(fsync, kSync | kFileOnly, BufShape::None)                  \
  X(fdatasync, kSync | kFileOnly, BufShape::None)              \
  X(socket, kSetup | kNoFd, BufShape::None)                    \
  X(socketpair, kSetup | kNoFd, BufShape::None)                \
  X(bind, kSetup, BufShape::None)                              \
  X(listen, kSetup, BufShape::None)                            \
  X(connect, kSetup, BufShape::None)                           \
  X(accept, kSetup, BufShape::None)                            \
  X(accept4, kSetup, BufShape::None)                           \
  X(shutdown, kSetup, BufShape::None)                          \
  X(pipe, kSetup | kNoFd, BufShape::None)                      \
  X(pipe2, kSetup | kNoFd, BufShape::None)                     \
  X(close, kClose, BufShape::None)                             \
  X(close_range, kClose | kNoFd, BufShape::None)               \
  X(dup, kDup, BufShape::None)                                 \
  X(dup2, kDup, BufShape::None)                                \
  X(dup3, kDup, BufShape::None)                                \
  X(fcntl, kDup, BufShape::None) /* only F_DUPFD*: filtered */ \
  X(execve, kProcess | kNoFd, BufShape::None)                  \
  X(execveat, kProcess | kNoFd, BufShape::None)                \
  X(exit_group, kProcess | kNoFd, BufShape::None)              \
  X(fork, kProcess | kNoFd, BufShape::None)                    \
  X(vfork, kProcess | kNoFd, BufShape::None)                   \
  X(clone, kProcess | kNoFd, BufShape::None)                   \
  X(clone3, kProcess | kNoFd, BufShape::None)

enum class Sys : std::uint16_t {
#define FISSURE_ENUM(name, flags, shape) name,
  FISSURE_SYSCALLS(FISSURE_ENUM)
#undef FISSURE_ENUM
};

struct SysInfo {
  Sys sys;
  std::string_view name;
  long nr;  // x86-64 syscall number
  std::uint32_t flags;
  BufShape shape;
  // fork/vfork/clone/clone3 are observed through ptrace events (PTRACE_O_TRACEFORK...),
  // not through the seccomp filter: a seccomp stop there would cost a stop for nothing.
  bool in_filter() const {
    return !(flags & kProcess) || sys == Sys::execve || sys == Sys::execveat ||
           sys == Sys::exit_group;
  }
  bool has(std::uint32_t f) const { return (flags & f) != 0; }
};

std::span<const SysInfo> syscall_table();
const SysInfo& sys_info(Sys s);
const SysInfo* sys_info_by_nr(long nr);  // nullptr if fissure does not trace it
std::string_view to_string(Sys s);
std::optional<Sys> sys_from_string(std::string_view name);

}  // namespace fissure
