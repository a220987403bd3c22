// Online scoring without the HTTP: the time mlpipe serve spends on one /v1/score request once
// its body has arrived (parse the JSON, read the row, transforms, model, the response's JSON),
// through the server's own ScoringService, on one thread: as serve answers it (score_text, the
// one-row fast path, when it takes the body) and through the JSON tree and table (score) alone. bench/serve.sh runs it beside the
// Python peer's per-row inplace_predict, to tell the scoring apart from the network stack.
// Prints one JSON line. Usage: mlpipe_serve_score_bench BUNDLE BODY_FILE [REQUESTS [served]]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "core/serve/scoring_service.h"
#include "trainers/builtin.h"

using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s BUNDLE BODY_FILE [REQUESTS]\n", argv[0]);
    return 2;
  }
  std::ifstream in(argv[2]);
  std::stringstream body;
  body << in.rdbuf();
  long n = argc > 3 ? std::atol(argv[3]) : 20000;
  mlpipe::register_builtin_trainers();
  mlpipe::ServedModel m;
  m.dir = argv[1];
  mlpipe::ScoringService service(m);
  std::string text = body.str();
  size_t bytes = 0;
  // What serve does with a body: its fast path when it takes the body, else the JSON tree.
  auto answer = [&](bool fast_path) {
    if (fast_path)
      if (std::optional<std::string> out = service.score_text(text)) return out->size();
    return service.score(nlohmann::json::parse(text)).dump().size();
  };
  bool fast = service.score_text(text).has_value();
  auto timed = [&](bool fast_path) {
    for (int i = 0; i < 200; ++i) bytes += answer(fast_path);  // warm up
    std::vector<double> us(size_t(std::max(1L, n)));
    for (auto& t : us) {
      auto t0 = Clock::now();
      bytes += answer(fast_path);
      t = std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
    }
    std::sort(us.begin(), us.end());
    double sum = 0;
    for (double t : us) sum += t;
    return std::vector<double>{sum / double(us.size()), us[us.size() / 2], us[us.size() * 99 / 100]};
  };
  // A fourth argument "served" times only the served path (for a profile of it).
  bool both = !(argc > 4 && std::string(argv[4]) == "served");
  std::vector<double> served = timed(true), table = both ? timed(false) : std::vector<double>{0, 0, 0};
  std::printf("{\"requests\": %ld, \"fast_path\": %s, \"mean_us\": %.2f, \"p50_us\": %.2f, \"p99_us\": %.2f, "
              "\"table_mean_us\": %.2f, \"table_p50_us\": %.2f, \"table_p99_us\": %.2f, \"bytes\": %zu}\n",
              std::max(1L, n), fast ? "true" : "false", served[0], served[1], served[2], table[0], table[1], table[2], bytes);
}
