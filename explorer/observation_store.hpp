// What the strategy is told of a run, kept beside it in observation.bin, so that a resumed
// campaign can tell a rebuilt strategy everything again without the run's whole trace. The
// same bytes travel from an MPI worker to the coordinator.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "fissure/strategies/observation.hpp"
#include "fissure/tracer/faults.hpp"
#include "fissure/tracer/tracer.hpp"

namespace fissure {

inline constexpr const char* kObservationFile = "observation.bin";

// `expected_keys`: the outcomes of the campaign's first fault-free run; one this run did not
// reach is listed as not reached.
Observation observation_of(const FaultPlan& plan, const RunResult& r,
                           const std::vector<std::string>& expected_keys);

std::string encode_observation(const Observation& o);
// `where` names the bytes' origin in errors (a file, a worker's message).
Observation decode_observation(const FaultPlan& plan, const std::string& bytes,
                               const std::string& where);

// Written last and moved into place: its presence says the run is complete.
void save_observation_bytes(const std::string& bytes, const std::filesystem::path& dir);
void save_observation(const Observation& o, const std::filesystem::path& dir);
Observation load_observation(const FaultPlan& plan, const std::filesystem::path& dir);

}  // namespace fissure
