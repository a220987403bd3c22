#include <iostream>

#include "cli/commands.h"
#include "core/predict/predict.h"

namespace mlpipe::cli {

void add_predict(CLI::App& app, int& exit_code) {
  struct Opts {
    std::string bundle, data, out, store;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = app.add_subcommand("predict", "Score a CSV file with an exported bundle or a registered model (NAME@champion)");
  cmd->add_option("bundle", o->bundle, "Folder written by an export step, or NAME@ALIAS / NAME@VERSION from the registry")->required();
  cmd->add_option("data", o->data, "CSV/TSV file with the same columns as the training data")->required();
  cmd->add_option("-o,--output", o->out, "Output CSV (default or -: standard output)");
  add_store_option(cmd, o->store);
  cmd->callback([o, &exit_code] {
    PredictSummary s = predict_file(resolve_model_ref(o->bundle, o->store), o->data, o->out);
    if (!o->out.empty())
      std::cerr << "mlpipe: wrote " << s.rows << " predictions to " << o->out
                << (s.unseen_categories ? " (" + std::to_string(s.unseen_categories) +
                                              " unseen category values read as missing)"
                                        : std::string())
                << "\n";
    exit_code = 0;
  });
}

}  // namespace mlpipe::cli
