// What a suite target's processes share through the run directory: the trigger
// file that starts the protocol, the outcome files, and whether a node is still
// alive.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace suite {

// $RUN_DIR (fissure exports it to every node and the oracle); exits 2 without
// it.
const std::string& run_dir();

// The workload creates the trigger without writing to it, so that the client
// has no communication with the protocol; the initiator polls for it.
void pull_trigger();
void wait_for_trigger();

// Molly's end of time (EOT): the workload creates RUN_DIR/eot when it is done, and nodes that
// resend on a timer stop there, so that the oracle's time adds no points to the run (a fault
// there could change nothing the workload saw).
void end_time();
bool time_ended();

// Writes `text` to RUN_DIR/file in one write(): the outcome event the spec
// names.
void record(const std::string& file, std::string_view text);
std::optional<std::string> read_file(const std::string& file);
bool exists(const std::string& file);

// Whether the node process with `--id name` of this run is alive (not crashed):
// found in /proc by its arguments and its RUN_DIR, a zombie counting as dead.
// No message is sent, so the check is no communication of the run.
bool alive(std::string_view name);

void sleep_ms(int ms);

[[noreturn]] void die(std::string_view what);  // "PROG: what: strerror", exit 2

}  // namespace suite
