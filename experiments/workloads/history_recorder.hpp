#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace fissure::workloads {

// Appends a workload's history as JSON lines, one event a line, in the format fissure's
// checker reads (Jepsen's model):
//   {"process": 3, "type": "invoke", "f": "write", "key": "k1", "value": 7, "time": 1200}
// Each line goes out in one write() on an O_APPEND file, so a client killed mid-run leaves a
// valid prefix, and several processes may share one file. Times are CLOCK_MONOTONIC ns, taken
// under the same lock as the write, so the file is in time order. Thread-safe.
//
// The caller keeps Jepsen's rules: after an `info` (the operation may or may not have
// happened) that process invokes nothing more; use a new process id.
class HistoryRecorder {
 public:
  // Throws std::system_error naming the path when the file cannot be opened.
  explicit HistoryRecorder(const std::string& path);
  ~HistoryRecorder();
  HistoryRecorder(const HistoryRecorder&) = delete;
  HistoryRecorder& operator=(const HistoryRecorder&) = delete;

  // Invocations. A read's value is null; a write's is what it writes.
  void invoke(std::int64_t process, std::string_view f, std::string_view key, std::int64_t value);
  void invoke(std::int64_t process, std::string_view f, std::string_view key, std::nullptr_t);
  // value: [expected, new].
  void invoke_cas(std::int64_t process, std::string_view key, std::int64_t expected,
                  std::int64_t replacement);

  // It happened. A read's value is what it read (null: the key was absent); a write's or a
  // cas's may be left out (the checker takes the invocation's).
  void ok(std::int64_t process, std::string_view f, std::string_view key);
  void ok(std::int64_t process, std::string_view f, std::string_view key, std::int64_t value);
  void ok(std::int64_t process, std::string_view f, std::string_view key, std::nullptr_t);
  void ok(std::int64_t process, std::string_view f, std::string_view key,
          std::optional<std::int64_t> value);
  void ok_cas(std::int64_t process, std::string_view key, std::int64_t expected,
              std::int64_t replacement);
  // Who acknowledged a write or a cas that set, in a primary/backup store such as Redis: the
  // primary's port, recorded as "master": PORT on the ok line, and, when Redis's WAIT followed
  // it, WAIT's answer (how many replicas had it) as "replicas": N. The checker ignores both;
  // they tell a write the replicas confirmed from one only the master had, which a failover
  // may lose.
  struct Acknowledgement {
    std::uint16_t master = 0;  // 0: not recorded
    std::optional<long long> replicas;
  };
  void ok_write(std::int64_t process, std::string_view key, std::int64_t value,
                const Acknowledgement& ack);
  void ok_cas(std::int64_t process, std::string_view key, std::int64_t expected,
              std::int64_t replacement, const Acknowledgement& ack);

  // It certainly did not happen (refused before it was sent, a cas whose compare failed).
  void fail(std::int64_t process, std::string_view f, std::string_view key);
  // Nobody knows (a timeout or a connection lost after the request went out).
  void info(std::int64_t process, std::string_view f, std::string_view key);

  // Events written so far (by this recorder).
  std::size_t events() const;

 private:
  // value_json: the JSON text of "value", or empty to leave the field out; extra: more
  // members (", \"master\": 7000"), or empty.
  void record(std::int64_t process, std::string_view type, std::string_view f, std::string_view key,
              const std::string& value_json, const std::string& extra = "");

  int fd_ = -1;
  std::string path_;
  mutable std::mutex mutex_;
  std::size_t events_ = 0;
};

}  // namespace fissure::workloads
