#include "fissure/tracer/syscalls.hpp"

#include <sys/syscall.h>

#include <array>

namespace fissure {
namespace {

constexpr SysInfo kTable[] = {
#define FISSURE_ROW(name, flags, shape, cls, peer, flags_arg) \
  {Sys::name, #name, SYS_##name, (flags), (shape), SysClass::cls, PeerArg::peer, (flags_arg)},
    FISSURE_SYSCALLS(FISSURE_ROW)
#undef FISSURE_ROW
};

constexpr long kMaxNr = 512;

// Dense nr -> row index, so the tracer's per-stop lookup is one load.
constexpr std::array<std::int16_t, kMaxNr> make_index() {
  std::array<std::int16_t, kMaxNr> idx{};
  for (auto& v : idx) v = -1;
  for (std::size_t i = 0; i < std::size(kTable); ++i)
    idx[kTable[i].nr] = static_cast<std::int16_t>(i);
  return idx;
}
constexpr auto kIndex = make_index();

}  // namespace

std::span<const SysInfo> syscall_table() {
  return kTable;
}

const SysInfo& sys_info(Sys s) {
  return kTable[static_cast<std::size_t>(s)];
}

const SysInfo* sys_info_by_nr(long nr) {
  if (nr < 0 || nr >= kMaxNr || kIndex[nr] < 0) return nullptr;
  return &kTable[kIndex[nr]];
}

std::string_view to_string(Sys s) {
  return sys_info(s).name;
}

std::optional<Sys> sys_from_string(std::string_view name) {
  for (const auto& row : kTable)
    if (row.name == name) return row.sys;
  return std::nullopt;
}

}  // namespace fissure
