// A campaign's report for people: report.md and a self-contained report.html (each bug with
// its minimized plan, reproduction rate, replay command and space-time diagram; the campaign
// curve of unique signatures and bugs over runs), and curve.svg.
#pragma once

#include <filesystem>
#include <string>

#include "campaign.hpp"

namespace fissure {

void write_report(const std::filesystem::path& campaign, const CampaignResult& r,
                  const std::string& title);

// Reads summary.json back (for `fissure report` on a finished campaign).
CampaignResult read_summary(const std::filesystem::path& file);

}  // namespace fissure
