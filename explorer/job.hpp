// One run of a campaign: its plan and directory, and what came of it.
#pragma once

#include <filesystem>
#include <string>

#include "fissure/strategies/observation.hpp"
#include "fissure/tracer/faults.hpp"
#include "fissure/tracer/tracer.hpp"

namespace fissure {

struct Job {
  FaultPlan plan;
  std::filesystem::path dir;  // in the campaign directory
  // The run's verdict; its trace only where the run was made in this process (an MPI
  // coordinator is sent the verdict and the observation, not the trace).
  RunResult result;
  Observation seen;  // made by the worker that ran it
  std::string error;
  bool taken = false;    // completed by a killed campaign, taken as it was
  std::string proposer;  // the search that proposed its plan
};

}  // namespace fissure
