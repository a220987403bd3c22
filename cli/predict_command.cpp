#include <cstdlib>
#include <iostream>

#include "cli/commands.h"
#include "core/predict/predict.h"
#include "core/util/error.h"

namespace mlpipe::cli {

void add_predict(CLI::App& app, int& exit_code) {
  struct Opts {
    std::string bundle, data, out, store, explain;
    bool json = false, verify = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = app.add_subcommand("predict", "Score a CSV file with an exported bundle or a registered model (NAME@champion)");
  cmd->footer("Examples:\n  mlpipe predict models/credit-default new.csv -o scores.csv\n"
              "  mlpipe predict credit-default@champion new.csv --explain 4   (the 4 main reasons per row)\n"
              "  mlpipe predict models/credit-default new.csv --verify --store .mlpipe   (only a bundle this store recorded)");
  cmd->add_option("bundle", o->bundle, "Folder written by an export step, or NAME@ALIAS / NAME@VERSION from the registry")->required();
  cmd->add_option("data", o->data, "CSV/TSV file with the same columns as the training data")->required();
  cmd->add_option("-o,--output", o->out, "Output CSV (default or -: standard output)");
  cmd->add_option("--explain", o->explain,
                  "Reason codes: K adds the K columns that raised each row's score most (reason_1, contribution_1, ...); "
                  "all adds every column's contribution, the bias and the margin (XGBoost: exact TreeSHAP; sequence models: integrated gradients)");
  add_store_option(cmd, o->store);
  cmd->add_flag("--verify", o->verify,
                "Refuse a bundle folder whose manifest the store never recorded (NAME@ALIAS is always checked against the registry)");
  cmd->add_flag("--json", o->json, "Print {rows, unseen_categories, output} on stdout (needs -o FILE for the scores)");
  cmd->callback([o, &exit_code] {
    if (o->json && (o->out.empty() || o->out == "-"))
      throw ConfigError("predict --json prints a summary on standard output: give -o FILE for the scores");
    PredictOptions opt;
    if (o->explain == "all") {
      opt.explain_all = true;
    } else if (!o->explain.empty()) {
      char* end = nullptr;
      long k = std::strtol(o->explain.c_str(), &end, 10);
      if (*end || k < 1 || k > 1000)
        throw ConfigError("--explain takes a count of reasons (1 to 1000) or 'all', got '" + o->explain + "'");
      opt.explain = size_t(k);
    }
    std::filesystem::path bundle = resolve_model_ref(o->bundle, o->store);
    if (o->verify && std::filesystem::exists(o->bundle))
      std::cerr << "mlpipe: " << bundle.string() << " verified: its manifest is the one "
                << verify_bundle_folder(bundle, o->store) << " wrote\n";
    PredictSummary s = predict_file(bundle, o->data, o->out, opt);
    if (o->json)
      std::cout << nlohmann::ordered_json{{"rows", s.rows}, {"unseen_categories", s.unseen_categories}, {"output", o->out}}.dump(2) << "\n";
    if (!o->out.empty() && o->out != "-")
      std::cerr << "mlpipe: wrote " << s.rows << " predictions to " << o->out
                << (s.unseen_categories ? " (" + std::to_string(s.unseen_categories) +
                                              " unseen category values read as missing)"
                                        : std::string())
                << "\n";
    exit_code = 0;
  });
}

}  // namespace mlpipe::cli
