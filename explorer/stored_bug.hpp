// A bug as the campaign's checkpoint keeps it, with how far its minimization got.
#pragma once

#include <cereal/cereal.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "fissure/tracer/verdict.hpp"

namespace fissure {

struct StoredBug {
  std::string symptom, verdict, message, plan, first_run;
  bool minimized = false;
  unsigned replays = 0, reproduced = 0;
  // How far minimization got, so that a resumed campaign goes on from there: whether no
  // single fault can go any more, and if not, which to try dropping next; and per fault of
  // the plan, the longest delay seen not to show the symptom (the bisection's lower end).
  bool one_minimal = false;
  std::size_t next_drop = 0;  // the fault whose dropping is tried next
  std::vector<std::uint32_t> not_shown;
  std::string found_by;
  std::uint64_t found_at = 0;
  std::string verdict_class;  // to_string(VerdictClass) of the first run's verdict
  // The class, or for a checkpoint from before classes the one its verdict stood for.
  VerdictClass cls() const {
    if (auto c = verdict_class_from_string(verdict_class)) return *c;
    auto kind = verdict_kind_from_string(verdict);
    return kind ? legacy_class(*kind) : VerdictClass::None;
  }
  template <class A>
  void serialize(A& ar) {
    ar(CEREAL_NVP(symptom), CEREAL_NVP(verdict), CEREAL_NVP(message), CEREAL_NVP(plan),
       CEREAL_NVP(first_run), CEREAL_NVP(minimized), CEREAL_NVP(replays), CEREAL_NVP(reproduced),
       CEREAL_NVP(one_minimal), CEREAL_NVP(next_drop), CEREAL_NVP(not_shown), CEREAL_NVP(found_by),
       CEREAL_NVP(found_at));
    if constexpr (std::is_base_of_v<cereal::detail::InputArchiveBase, A>) {
      try {  // a checkpoint from before verdict classes has none: cls() guesses it
        ar(cereal::make_nvp("class", verdict_class));
      } catch (const cereal::Exception&) {
        verdict_class = "?";
      }
    } else {
      ar(cereal::make_nvp("class", verdict_class));
    }
  }
};

}  // namespace fissure
