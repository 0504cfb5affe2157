#include "history_recorder.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <system_error>

namespace fissure::workloads {

namespace {

std::int64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// Keys are the workload's own names; escape what JSON needs anyway.
void append_json_string(std::string& out, std::string_view s) {
  static const char* hex = "0123456789abcdef";
  out += '"';
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      out += "\\u00";
      out += hex[u >> 4];
      out += hex[u & 0xf];
    } else {
      out += c;
    }
  }
  out += '"';
}

std::string pair_json(std::int64_t a, std::int64_t b) {
  return "[" + std::to_string(a) + ", " + std::to_string(b) + "]";
}

std::string acknowledgement_json(const HistoryRecorder::Acknowledgement& ack) {
  std::string out;
  if (ack.master) out += ", \"master\": " + std::to_string(ack.master);
  if (ack.replicas) out += ", \"replicas\": " + std::to_string(*ack.replicas);
  return out;
}

}  // namespace

HistoryRecorder::HistoryRecorder(const std::string& path) : path_(path) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0)
    throw std::system_error(errno, std::generic_category(), "cannot open history " + path);
}

HistoryRecorder::~HistoryRecorder() {
  if (fd_ >= 0) ::close(fd_);
}

void HistoryRecorder::invoke(std::int64_t process, std::string_view f, std::string_view key,
                             std::int64_t value) {
  record(process, "invoke", f, key, std::to_string(value));
}

void HistoryRecorder::invoke(std::int64_t process, std::string_view f, std::string_view key,
                             std::nullptr_t) {
  record(process, "invoke", f, key, "null");
}

void HistoryRecorder::invoke_cas(std::int64_t process, std::string_view key, std::int64_t expected,
                                 std::int64_t replacement) {
  record(process, "invoke", "cas", key, pair_json(expected, replacement));
}

void HistoryRecorder::ok(std::int64_t process, std::string_view f, std::string_view key) {
  record(process, "ok", f, key, "");
}

void HistoryRecorder::ok(std::int64_t process, std::string_view f, std::string_view key,
                         std::int64_t value) {
  record(process, "ok", f, key, std::to_string(value));
}

void HistoryRecorder::ok(std::int64_t process, std::string_view f, std::string_view key,
                         std::nullptr_t) {
  record(process, "ok", f, key, "null");
}

void HistoryRecorder::ok(std::int64_t process, std::string_view f, std::string_view key,
                         std::optional<std::int64_t> value) {
  record(process, "ok", f, key, value ? std::to_string(*value) : "null");
}

void HistoryRecorder::ok_cas(std::int64_t process, std::string_view key, std::int64_t expected,
                             std::int64_t replacement) {
  record(process, "ok", "cas", key, pair_json(expected, replacement));
}

void HistoryRecorder::ok_write(std::int64_t process, std::string_view key, std::int64_t value,
                               const Acknowledgement& ack) {
  record(process, "ok", "write", key, std::to_string(value), acknowledgement_json(ack));
}

void HistoryRecorder::ok_cas(std::int64_t process, std::string_view key, std::int64_t expected,
                             std::int64_t replacement, const Acknowledgement& ack) {
  record(process, "ok", "cas", key, pair_json(expected, replacement), acknowledgement_json(ack));
}

void HistoryRecorder::fail(std::int64_t process, std::string_view f, std::string_view key) {
  record(process, "fail", f, key, "");
}

void HistoryRecorder::info(std::int64_t process, std::string_view f, std::string_view key) {
  record(process, "info", f, key, "");
}

std::size_t HistoryRecorder::events() const {
  std::lock_guard lock(mutex_);
  return events_;
}

void HistoryRecorder::record(std::int64_t process, std::string_view type, std::string_view f,
                             std::string_view key, const std::string& value_json,
                             const std::string& extra) {
  std::string line = "{\"process\": " + std::to_string(process) + ", \"type\": \"";
  line += type;
  line += "\", \"f\": \"";
  line += f;
  line += "\", \"key\": ";
  append_json_string(line, key);
  if (!value_json.empty()) line += ", \"value\": " + value_json;
  line += extra;
  line += ", \"time\": ";
  std::lock_guard lock(mutex_);
  line += std::to_string(monotonic_ns());
  line += "}\n";
  // One write() per line: O_APPEND makes it land whole at the end even with other writers. A
  // short write to a regular file means the disk is full; what was written is the prefix.
  const char* p = line.data();
  std::size_t left = line.size();
  while (left > 0) {
    ssize_t n = ::write(fd_, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  ++events_;
}

}  // namespace fissure::workloads
