#include <iostream>

#include "cli/commands.h"
#include "core/serve/sample_export.h"
#include "core/store/model_registry.h"
#include "core/platform/environment.h"
#include "core/store/run_store.h"
#include "core/store/run_views.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/sha256.h"

namespace mlpipe::cli {

std::filesystem::path resolve_model_ref(const std::string& ref, const std::string& store_flag) {
  auto at = ref.find('@');
  if (std::filesystem::exists(ref) || at == std::string::npos) return ref;
  std::string name = ref.substr(0, at), version = ref.substr(at + 1);
  Db db = open_store_readonly(existing_store(store_flag).db());
  std::optional<ModelVersion> m = find_model(db, name, version);
  if (!m) throw ConfigError("model '" + name + "' has no version with alias '" + version + "'");
  return verified_bundle_path(*m);
}

std::string verify_bundle_folder(const std::filesystem::path& dir, const std::string& store_flag) {
  std::filesystem::path manifest = dir / "manifest.json";
  if (!std::filesystem::is_regular_file(manifest))
    throw ConfigError(dir.string() + ": not a model bundle (no manifest.json); pass the folder an export step wrote");
  StoreLayout store = existing_store(store_flag);
  std::string sha = sha256_file(manifest);
  Db db = open_store_readonly(store.db());
  std::optional<std::string> by = recorded_bundle(db, sha);
  if (!by)
    throw ConfigError(manifest.string() + ": SHA-256 " + sha + " was never recorded by the store " + store.root().string() +
                      ": this bundle was changed after its export, or another store's run wrote it (pass that --store)");
  return *by;
}

void add_models(CLI::App& app, int& exit_code) {
  CLI::App* models = app.add_subcommand("models", "The model registry: registered versions, aliases, promotions");
  models->require_subcommand(1);

  struct ListOpts {
    std::string store, format = "table";
    bool json = false;
  };
  auto lo = std::make_shared<ListOpts>();
  CLI::App* list = models->add_subcommand("list", "Registered models with their latest version and aliases");
  list->footer("Example: mlpipe models list --store .mlpipe");
  add_store_option(list, lo->store);
  list->add_option("--format", lo->format, "table, csv, json or markdown")->check(CLI::IsMember({"table", "csv", "json", "markdown"}));
  list->add_flag("--json", lo->json, "The same as --format json");
  list->callback([lo, &exit_code] {
    Db db = open_store_readonly(existing_store(lo->store).db());
    std::cout << format_result(list_models(db), lo->json ? "json" : lo->format);
    exit_code = 0;
  });

  struct ShowOpts {
    std::string name, store;
    bool json = false;
  };
  auto so = std::make_shared<ShowOpts>();
  CLI::App* show = models->add_subcommand("show", "Every version of a model, its aliases and who promoted what when");
  show->footer("Example: mlpipe models show credit-default");
  show->add_option("name", so->name, "Registered model name")->required();
  add_store_option(show, so->store);
  show->add_flag("--json", so->json, "JSON output");
  show->callback([so, &exit_code] {
    Db db = open_store_readonly(existing_store(so->store).db());
    nlohmann::json d = show_model(db, so->name);
    std::cout << (so->json ? d.dump(2) + "\n" : format_model(d));
    exit_code = 0;
  });

  struct PromoteOpts {
    std::string name, version, alias = "champion", note, store;
    bool json = false;
  };
  auto po = std::make_shared<PromoteOpts>();
  CLI::App* promote = models->add_subcommand("promote", "Point an alias (default champion) at a version; recorded with who and when");
  promote->footer("Examples:\n  mlpipe models promote credit-default 3\n  mlpipe models promote credit-default 2 --alias approved --note \"signed off by model risk\"");
  promote->add_option("name", po->name, "Registered model name")->required();
  promote->add_option("version", po->version, "Version number (3 or v3)")->required();
  promote->add_option("--alias", po->alias, "Alias to move (default champion)");
  promote->add_option("--note", po->note, "Why, for the record");
  add_store_option(promote, po->store);
  promote->add_flag("--json", po->json, "JSON output: {name, version, alias, previous_version}");
  promote->callback([po, &exit_code] {
    DbLocation path = existing_store(po->store).db();
    RunStore store(path);
    std::string v = po->version.size() > 1 && po->version[0] == 'v' ? po->version.substr(1) : po->version;
    int64_t version = 0;
    try {
      size_t used = 0;
      version = std::stoll(v, &used);
      if (used != v.size()) throw std::invalid_argument(v);
    } catch (const std::exception&) {
      throw ConfigError("version '" + po->version + "' is not a version number (3 or v3)");
    }
    std::optional<int64_t> prev = promote_model(store.db(), po->name, version, po->alias, user_name(), std::nullopt, po->note);
    if (po->json)
      std::cout << nlohmann::ordered_json{{"name", po->name}, {"version", version}, {"alias", po->alias},
                                          {"previous_version", prev ? nlohmann::ordered_json(*prev) : nlohmann::ordered_json()}}.dump(2)
                << "\n";
    else
      std::cout << po->name << " v" << version << " is now " << po->alias
                << (prev ? " (was v" + std::to_string(*prev) + ")" : std::string(" (first time)")) << "\n";
    exit_code = 0;
  });

  struct SamplesOpts {
    SampleQuery q;
    std::string store, version, out;
    int64_t limit = 0;
  };
  auto sa = std::make_shared<SamplesOpts>();
  CLI::App* samples = models->add_subcommand(
      "samples", "The rows `mlpipe serve --sample` recorded for a model, as a CSV file (for a drift step on live traffic)");
  samples->footer(
      "Examples:\n"
      "  mlpipe models samples credit-default --since 2026-12-01 -o live.csv   # then a pipeline: ingest live.csv, drift vs @champion\n"
      "  mlpipe models samples credit-default --version 3 --limit 1000 --scores");
  samples->add_option("name", sa->q.model, "Registered model name (or a served bundle's pipeline name)")->required();
  add_store_option(samples, sa->store);
  samples->add_option("--version", sa->version, "Only rows a version scored (3 or v3; default: every version)");
  samples->add_option("--since", sa->q.since, "Only rows answered at or after this UTC time (2026-12-01 or 2026-12-01T08:00:00Z)");
  samples->add_option("--until", sa->q.until, "Only rows answered before this UTC time");
  samples->add_option("--limit", sa->limit, "Only the latest N rows")->check(CLI::PositiveNumber);
  samples->add_flag("--scores", sa->q.with_results, "Add sample_at, sample_version and sample_score columns");
  samples->add_option("-o,--output", sa->out, "Write the CSV here (default: standard output)");
  samples->callback([sa, &exit_code] {
    if (!sa->version.empty()) {
      std::string v = sa->version[0] == 'v' ? sa->version.substr(1) : sa->version;
      if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos)
        throw ConfigError("--version: expected a version number like 3 or v3, got '" + sa->version + "'");
      sa->q.version = std::stoll(v);
    }
    if (sa->limit > 0) sa->q.limit = sa->limit;
    Db db = open_store_readonly(existing_store(sa->store).db());
    // The columns in the order of the model's data (the latest version's, or the one asked for).
    try {
      if (has_model(db, sa->q.model)) {
        std::optional<ModelVersion> m = find_model(db, sa->q.model, sa->q.version ? std::to_string(*sa->q.version) : "latest");
        if (m) {
          nlohmann::json pre = nlohmann::json::parse(read_file(verified_bundle_path(*m) / "preprocess.json"));
          for (const auto& c : pre.at("ingest").at("columns")) sa->q.column_order.push_back(c.at("name").get<std::string>());
        }
      }
    } catch (const std::exception&) {  // no order to follow: the keys sorted
    }
    SampleCsv csv = samples_csv(db, sa->q);
    if (sa->out.empty()) {
      std::cout << csv.text;
    } else {
      write_file_atomic(sa->out, csv.text);
      std::cerr << csv.rows << " sampled rows of " << sa->q.model << " written to " << sa->out << "\n";
    }
    exit_code = 0;
  });
}

}  // namespace mlpipe::cli
