#include "fissure/model/payload_text.hpp"

#include <algorithm>

namespace fissure {

std::string payload_text(const Event& e, std::size_t max) {
  std::size_t n = e.head.size();
  if (e.moved > 0) n = std::min<std::size_t>(n, static_cast<std::size_t>(e.moved));
  std::string out;
  for (std::size_t i = 0; i < n && out.size() < max; ++i) {
    unsigned char c = static_cast<unsigned char>(e.head[i]);
    if (c == '\r' || c == '\n') {
      if (!out.empty()) break;  // a reply that opens with a line end says no more than that
      continue;
    }
    out += (c < 0x20 || c >= 0x7f) ? '.' : static_cast<char>(c);
  }
  return out;
}

}  // namespace fissure
