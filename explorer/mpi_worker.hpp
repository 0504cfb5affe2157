// A worker of an MPI campaign (every rank but 0): it runs the plans the coordinator sends,
// `jobs` at a time, each pinned to a CPU of its own, in directories on this machine's disk
// under ROOT/fissure-HOST/CAMPAIGN/, and sends back each run's verdict, observation and
// run.json; a run's other files only when the coordinator asks for them.
#pragma once

#include <filesystem>

namespace fissure {

// `jobs`: 0 takes the spec's [explore] jobs, else 1. Returns the process's exit status.
int run_mpi_worker(unsigned jobs, const std::filesystem::path& root);

}  // namespace fissure
