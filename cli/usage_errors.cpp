#include "cli/usage_errors.h"

#include <algorithm>

#include "core/util/strings.h"

namespace mlpipe::cli {

std::optional<std::string> usage_problem(CLI::App& app, int argc, char** argv) {
  CLI::App* cmd = &app;
  std::string path = "mlpipe";
  bool expect_sub = true;  // the next bare word may name a subcommand
  bool help = false;
  // The subcommands of `c`, as its help lists them.
  auto subcommands_of = [](CLI::App* c) {
    std::vector<std::pair<std::string, CLI::App*>> out;
    for (CLI::App* s : c->get_subcommands([](const CLI::App*) { return true; }))
      if (!s->get_name().empty() && s->get_name()[0] != '_') out.emplace_back(s->get_name(), s);
    return out;
  };
  auto names_of = [](const std::vector<std::pair<std::string, CLI::App*>>& subs) {
    std::vector<std::string> out;
    for (const auto& s : subs) out.push_back(s.first);
    return out;
  };
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--") break;  // what follows is data
    if (a == "--help" || a == "-h") help = true;
    if (a.rfind("--", 0) == 0 && a.size() > 2) {
      std::string name = a.substr(2, a.find('=') == std::string::npos ? std::string::npos : a.find('=') - 2);
      std::vector<std::string> known;
      bool found = false;
      for (const CLI::Option* o : cmd->get_options()) {
        for (const auto& l : o->get_lnames()) {
          if (l == name) found = true;
          if (!o->get_group().empty()) known.push_back("--" + l);
        }
        // An option that takes a value consumes the next word ("--store DIR"): skip it.
        if (found && o->get_type_size() != 0 && a.find('=') == std::string::npos) ++i;
        if (found) break;
      }
      if (!found && name != "help" && name != "version") {
        // `mlpipe runs --store DIR`: an option of the subcommands, given before naming one.
        if (cmd->get_require_subcommand_min() > 0 && expect_sub) {
          auto subs = subcommands_of(cmd);
          std::string example;
          for (const auto& [sub_name, sub] : subs)
            for (const CLI::Option* o : sub->get_options())
              for (const auto& l : o->get_lnames())
                if (l == name && (example.empty() || sub_name == "list")) example = sub_name;
          if (!example.empty())
            return "'" + path + "' needs a subcommand before --" + name + ", e.g. '" + path + " " + example + " --" + name +
                   " ...'; it takes: " + join(names_of(subs), ", ") + " (" + path + " --help)";
        }
        return "unknown option '--" + name + "' for '" + path + "'" + did_you_mean("--" + name, known) + " (" + path + " --help)";
      }
      continue;
    }
    if (a[0] == '-') {  // a short option: CLI11 checks it; a value may follow
      for (const CLI::Option* o : cmd->get_options())
        for (const auto& s : o->get_snames())
          if (a == "-" + s && o->get_type_size() != 0) ++i;
      continue;
    }
    if (!expect_sub) continue;
    std::vector<std::string> subs;
    CLI::App* next = nullptr;
    for (CLI::App* s : cmd->get_subcommands([](const CLI::App*) { return true; })) {
      if (s->get_name() == a) next = s;
      if (!s->get_name().empty() && s->get_name()[0] != '_') subs.push_back(s->get_name());
    }
    if (next) {
      cmd = next;
      path += " " + a;
      continue;
    }
    if (!subs.empty() && cmd->get_require_subcommand_min() > 0)
      return "unknown command '" + (path == "mlpipe" ? a : path.substr(7) + " " + a) + "'" + did_you_mean(a, subs) +
             "; " + (path == "mlpipe" ? std::string("commands") : "'" + path + "' takes") + ": " + join(subs, ", ") + " (" + path + " --help)";
    expect_sub = false;  // a positional argument: later words are arguments too
  }
  // `mlpipe runs`: name what it should do (CLI11 says only that a subcommand is required).
  if (!help && expect_sub && path != "mlpipe" && cmd->get_require_subcommand_min() > 0) {
    auto subs = subcommands_of(cmd);
    if (!subs.empty()) return "'" + path + "' needs a subcommand: " + join(names_of(subs), ", ") + " (" + path + " --help)";
  }
  return std::nullopt;
}

}  // namespace mlpipe::cli
