// The command line every suite program takes: --role node|client|check [--id
// NAME].
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace suite {

struct Args {
  std::string role;
  std::string id;
};

inline Args parse_args(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view k = argv[i];
    if (k == "--role")
      a.role = argv[i + 1];
    else if (k == "--id")
      a.id = argv[i + 1];
    else
      break;
  }
  if (a.role.empty() || (a.role == "node" && a.id.empty())) {
    std::fprintf(stderr, "usage: %s --role node --id NAME | --role client | --role check\n",
                 argv[0]);
    std::exit(2);
  }
  return a;
}

}  // namespace suite
