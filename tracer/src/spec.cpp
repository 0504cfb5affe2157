#include "fissure/tracer/spec.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <fstream>
#include <set>

namespace fissure {

std::chrono::microseconds parse_duration(std::string_view text) {
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr == text.data() || value < 0)
    throw std::invalid_argument(
        fmt::format("'{}' is not a duration (e.g. \"500ms\", \"10s\")", text));
  std::string_view unit(ptr, text.data() + text.size() - ptr);
  double us_per_unit = 0;
  if (unit == "us")
    us_per_unit = 1;
  else if (unit == "ms")
    us_per_unit = 1e3;
  else if (unit == "s")
    us_per_unit = 1e6;
  else if (unit == "m")
    us_per_unit = 60e6;
  else if (unit == "h")
    us_per_unit = 3600e6;
  else
    throw std::invalid_argument(
        fmt::format("'{}' has no unit; use one of us, ms, s, m, h (e.g. \"500ms\")", text));
  return std::chrono::microseconds(static_cast<std::int64_t>(value * us_per_unit));
}

namespace {
constexpr std::array<std::string_view, 5> kStrategies{"hybrid", "ldfi", "coverage", "random",
                                                      "exhaustive"};
}

bool is_strategy_name(std::string_view name) {
  return std::find(kStrategies.begin(), kStrategies.end(), name) != kStrategies.end();
}

std::string strategy_names() {
  return fmt::format("{}", fmt::join(kStrategies, ", "));
}

bool is_checker_name(std::string_view name) { return name == "linearizable-register"; }

std::string expand_vars(std::string_view arg, const std::filesystem::path& run_dir,
                        const std::filesystem::path& spec_dir) {
  std::string out(arg);
  auto replace_all = [&out](std::string_view var, const std::string& value) {
    for (std::size_t pos = out.find(var); pos != std::string::npos;
         pos = out.find(var, pos + value.size()))
      out.replace(pos, var.size(), value);
  };
  replace_all("${RUN_DIR}", run_dir.string());
  replace_all("${SPEC_DIR}", spec_dir.string());
  return out;
}

std::optional<std::size_t> Spec::node_index(std::string_view n) const {
  for (std::size_t i = 0; i < nodes.size(); ++i)
    if (nodes[i].name == n) return i;
  return std::nullopt;
}

namespace {

// Reads one spec, remembering where each value came from so every error names its line.
class SpecReader {
 public:
  explicit SpecReader(std::filesystem::path file) : file_(std::move(file)) {}

  [[noreturn]] void fail(const toml::node* at, std::string_view field, std::string_view msg) const {
    int line = at ? static_cast<int>(at->source().begin.line) : 0;
    throw SpecError(fmt::format("{}:{}: {}: {}", file_.string(), line, field, msg));
  }

  // Runs a parser that explains itself with std::invalid_argument, as a spec error at `at`.
  template <class F>
  auto checked(const toml::node* at, std::string_view field, F&& parse) const {
    try {
      return parse();
    } catch (const std::invalid_argument& e) {
      fail(at, field, e.what());
    }
  }

  void reject_unknown(const toml::table& t, std::string_view where,
                      std::initializer_list<std::string_view> allowed) const {
    for (auto&& [key, value] : t) {
      bool known = false;
      for (auto a : allowed) known = known || key.str() == a;
      if (!known) {
        std::string list;
        for (auto a : allowed) list += fmt::format("{}{}", list.empty() ? "" : ", ", a);
        fail(&value, fmt::format("{}{}", where, key.str()),
             fmt::format("unknown key (known here: {})", list));
      }
    }
  }

  std::string string(const toml::table& t, std::string_view key, std::string_view field,
                     bool required) const {
    const toml::node* n = t.get(key);
    if (!n) {
      if (required) fail(&t, field, "missing (required)");
      return {};
    }
    if (!n->is_string()) fail(n, field, "must be a string");
    return std::string(n->as_string()->get());
  }

  std::vector<std::string> argv(const toml::table& t, std::string_view key, std::string_view field,
                                bool required) const {
    const toml::node* n = t.get(key);
    if (!n) {
      if (required) fail(&t, field, "missing (required)");
      return {};
    }
    const toml::array* arr = n->as_array();
    if (!arr || arr->empty())
      fail(n, field,
           "must be a non-empty array of strings, e.g. [\"./server\", \"--port\", \"7100\"]");
    std::vector<std::string> out;
    for (auto&& el : *arr) {
      if (!el.is_string()) fail(&el, field, "every element must be a string");
      out.emplace_back(el.as_string()->get());
    }
    return out;
  }

  std::chrono::microseconds duration(const toml::node& n, std::string_view field) const {
    if (!n.is_string()) fail(&n, field, "must be a string such as \"10s\" or \"200ms\"");
    return checked(&n, field, [&] { return parse_duration(n.as_string()->get()); });
  }

  ReadyCheck ready(const toml::node& n, std::string_view field) const {
    if (!n.is_string())
      fail(&n, field, "must be a string: \"tcp:PORT\", \"file:PATH\" or \"delay:DURATION\"");
    std::string_view s = n.as_string()->get();
    ReadyCheck r;
    if (s.starts_with("tcp:")) {
      int port = 0;
      auto digits = s.substr(4);
      auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
      if (ec != std::errc() || p != digits.data() + digits.size() || port <= 0 || port > 65535)
        fail(&n, field, fmt::format("'{}' does not name a TCP port 1-65535", s));
      r.kind = ReadyCheck::Kind::Tcp;
      r.port = static_cast<std::uint16_t>(port);
    } else if (s.starts_with("file:") && s.size() > 5) {
      r.kind = ReadyCheck::Kind::File;
      r.path = std::string(s.substr(5));
    } else if (s.starts_with("delay:")) {
      r.kind = ReadyCheck::Kind::Delay;
      r.delay = checked(&n, field, [&] { return parse_duration(s.substr(6)); });
    } else {
      fail(&n, field,
           fmt::format("'{}' is not \"tcp:PORT\", \"file:PATH\" or \"delay:DURATION\"", s));
    }
    return r;
  }

  NodeSpec node(const toml::table& t, std::size_t i, const Spec& spec) const {
    std::string f = fmt::format("node[{}].", i);
    reject_unknown(t, f, {"name", "cmd", "ready", "env", "cwd", "role", "traced"});
    NodeSpec n;
    n.name = string(t, "name", f + "name", true);
    if (n.name.empty() || n.name.find_first_of("/ \t") != std::string::npos)
      fail(t.get("name"), f + "name", "must be non-empty, without spaces or '/'");
    if (spec.node_index(n.name))
      fail(t.get("name"), f + "name", fmt::format("duplicate node name '{}'", n.name));
    n.cmd = argv(t, "cmd", f + "cmd", true);
    if (const toml::node* r = t.get("ready")) n.ready = ready(*r, f + "ready");
    if (const toml::node* e = t.get("env")) {
      const toml::table* et = e->as_table();
      if (!et) fail(e, f + "env", "must be a table of strings, e.g. { KEY = \"value\" }");
      for (auto&& [k, v] : *et) {
        if (!v.is_string()) fail(&v, f + "env." + std::string(k.str()), "must be a string");
        n.env[std::string(k.str())] = v.as_string()->get();
      }
    }
    n.cwd = string(t, "cwd", f + "cwd", false);
    std::string role = string(t, "role", f + "role", false);
    if (!role.empty() && role != "workload" && role != "service")
      fail(t.get("role"), f + "role", fmt::format("'{}' is not \"workload\" or \"service\"", role));
    n.workload = role == "workload";
    if (const toml::node* tr = t.get("traced")) {
      if (!tr->is_boolean()) fail(tr, f + "traced", "must be true or false");
      n.traced = tr->as_boolean()->get();
    }
    return n;
  }

  std::vector<std::string> strings(const toml::node& n, std::string_view field) const {
    const toml::array* arr = n.as_array();
    if (!arr) fail(&n, field, "must be an array of strings");
    std::vector<std::string> out;
    for (auto&& el : *arr) {
      if (!el.is_string()) fail(&el, field, "every element must be a string");
      out.emplace_back(el.as_string()->get());
    }
    return out;
  }

  FaultSpace fault_space(const toml::node* node, const Spec& spec) const {
    FaultSpace fs;
    for (std::size_t k = 0; k <= static_cast<std::size_t>(FaultKind::Restart); ++k)
      fs.kinds.push_back(static_cast<FaultKind>(k));
    fs.errnos = {ECONNRESET, EPIPE, ETIMEDOUT};
    fs.delays = {std::chrono::milliseconds(100), std::chrono::seconds(1)};
    for (const auto& n : spec.nodes) fs.nodes.push_back(n.name);
    if (!node) return fs;
    const toml::table* t = node->as_table();
    if (!t) fail(node, "faults", "must be a table [faults]");
    reject_unknown(*t, "faults.", {"kinds", "max", "nodes", "errnos", "delays", "heals"});
    if (const toml::node* k = t->get("kinds")) {
      fs.kinds.clear();
      for (const auto& name : strings(*k, "faults.kinds"))
        fs.kinds.push_back(checked(k, "faults.kinds", [&] { return parse_fault_kind(name); }));
      if (fs.kinds.empty()) fail(k, "faults.kinds", "lists no kind");
    }
    if (const toml::node* m = t->get("max")) {
      if (!m->is_integer() || m->as_integer()->get() < 1 || m->as_integer()->get() > 64)
        fail(m, "faults.max", "must be an integer from 1 to 64 (faults per plan)");
      fs.max = static_cast<std::uint32_t>(m->as_integer()->get());
    }
    if (const toml::node* n = t->get("nodes")) {
      fs.nodes = strings(*n, "faults.nodes");
      for (const auto& name : fs.nodes)
        if (!spec.node_index(name))
          fail(n, "faults.nodes", fmt::format("no node named '{}'", name));
    }
    if (const toml::node* e = t->get("errnos")) {
      fs.errnos.clear();
      for (const auto& name : strings(*e, "faults.errnos"))
        fs.errnos.push_back(checked(e, "faults.errnos", [&] { return parse_errno(name); }));
    }
    if (const toml::node* d = t->get("delays")) {
      fs.delays.clear();
      for (const auto& text : strings(*d, "faults.delays"))
        fs.delays.push_back(checked(d, "faults.delays", [&] {
          return std::chrono::duration_cast<std::chrono::milliseconds>(parse_duration(text));
        }));
    }
    if (const toml::node* h = t->get("heals")) {
      fs.heals.clear();
      for (const auto& text : strings(*h, "faults.heals"))
        fs.heals.push_back(checked(h, "faults.heals", [&] {
          return std::chrono::duration_cast<std::chrono::milliseconds>(parse_duration(text));
        }));
      if (fs.heals.empty()) fail(h, "faults.heals", "lists no duration");
    }
    return fs;
  }

  ExploreDefaults explore_defaults(const toml::node* node) const {
    ExploreDefaults d;
    if (!node) return d;
    const toml::table* t = node->as_table();
    if (!t) fail(node, "explore", "must be a table [explore]");
    reject_unknown(*t, "explore.", {"strategy", "runs", "time", "jobs", "seed"});
    auto positive = [&](const char* key, std::int64_t max) -> std::optional<std::int64_t> {
      const toml::node* n = t->get(key);
      if (!n) return std::nullopt;
      if (!n->is_integer() || n->as_integer()->get() < 1 || n->as_integer()->get() > max)
        fail(n, fmt::format("explore.{}", key),
             fmt::format("must be an integer from 1 to {}", max));
      return n->as_integer()->get();
    };
    if (const toml::node* s = t->get("strategy")) {
      std::string name = string(*t, "strategy", "explore.strategy", true);
      if (!is_strategy_name(name))
        fail(s, "explore.strategy",
             fmt::format("'{}' is not a strategy ({})", name, strategy_names()));
      d.strategy = name;
    }
    if (auto runs = positive("runs", 100'000'000)) d.runs = static_cast<std::uint64_t>(*runs);
    if (auto jobs = positive("jobs", 64)) d.jobs = static_cast<unsigned>(*jobs);
    if (const toml::node* seed = t->get("seed")) {
      if (!seed->is_integer() || seed->as_integer()->get() < 0)
        fail(seed, "explore.seed", "must be a non-negative integer");
      d.seed = static_cast<std::uint64_t>(seed->as_integer()->get());
    }
    if (const toml::node* time = t->get("time")) d.time = duration(*time, "explore.time");
    return d;
  }

  Spec read(const toml::table& root) const {
    Spec spec;
    spec.file = file_;
    spec.dir = std::filesystem::absolute(file_).parent_path();
    reject_unknown(root, "", {"name", "timeout", "node", "oracle", "faults", "explore"});
    spec.name = string(root, "name", "name", true);
    if (const toml::node* t = root.get("timeout")) spec.timeout = duration(*t, "timeout");
    if (spec.timeout.count() <= 0) fail(root.get("timeout"), "timeout", "must be positive");
    const toml::node* nodes = root.get("node");
    if (!nodes) fail(&root, "node", "missing: a spec needs at least one [[node]]");
    const toml::array* arr = nodes->as_array();
    if (!arr || !arr->is_array_of_tables())
      fail(nodes, "node", "must be written as [[node]] tables");
    for (std::size_t i = 0; i < arr->size(); ++i)
      spec.nodes.push_back(node(*arr->get(i)->as_table(), i, spec));
    bool any_workload = false;
    for (const auto& n : spec.nodes) any_workload = any_workload || n.workload;
    if (!any_workload)
      fail(nodes, "node",
           "no node has role = \"workload\"; a run ends when its workload nodes exit");
    if (const toml::node* o = root.get("oracle")) {
      const toml::table* ot = o->as_table();
      if (!ot) fail(o, "oracle", "must be a table [oracle]");
      reject_unknown(*ot, "oracle.",
                     {"workload_exit", "cmd", "outcome_files", "replica_files", "checker", "history"});
      if (const toml::node* we = ot->get("workload_exit")) {
        if (!we->is_integer()) fail(we, "oracle.workload_exit", "must be an integer exit code");
        spec.oracle.workload_exit = static_cast<int>(we->as_integer()->get());
      }
      spec.oracle.cmd = argv(*ot, "cmd", "oracle.cmd", false);
      if (const toml::node* f = ot->get("outcome_files"))
        spec.oracle.outcome_files = strings(*f, "oracle.outcome_files");
      if (const toml::node* f = ot->get("replica_files"))
        spec.oracle.replica_files = strings(*f, "oracle.replica_files");
      if (const toml::node* c = ot->get("checker")) {
        spec.oracle.checker = string(*ot, "checker", "oracle.checker", true);
        if (!is_checker_name(spec.oracle.checker))
          fail(c, "oracle.checker",
               fmt::format("'{}' is not a checker (linearizable-register)", spec.oracle.checker));
      }
      if (const toml::node* h = ot->get("history")) {
        spec.oracle.history = string(*ot, "history", "oracle.history", true);
        if (spec.oracle.history.empty()) fail(h, "oracle.history", "must name a file");
        if (spec.oracle.checker.empty())
          fail(h, "oracle.history", "means nothing without oracle.checker to judge it");
      }
    }
    spec.faults = fault_space(root.get("faults"), spec);
    spec.explore = explore_defaults(root.get("explore"));
    return spec;
  }

 private:
  std::filesystem::path file_;
};

}  // namespace

Spec parse_spec(std::string_view text, const std::filesystem::path& file) {
  toml::table root;
  try {
    root = toml::parse(text, file.string());
  } catch (const toml::parse_error& e) {
    throw SpecError(
        fmt::format("{}:{}: syntax: {}", file.string(), e.source().begin.line, e.description()));
  }
  return SpecReader(file).read(root);
}

Spec load_spec(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw SpecError(fmt::format("{}: cannot read the spec file", file.string()));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return parse_spec(text, file);
}

}  // namespace fissure
