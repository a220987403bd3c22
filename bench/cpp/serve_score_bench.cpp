// Online scoring without the HTTP: the time mlpipe serve spends on one /v1/score request once
// its body has arrived (parse the JSON, read the row, transforms, model, the response's JSON),
// through the server's own ScoringService, on one thread. bench/serve.sh runs it beside the
// Python peer's per-row inplace_predict, to tell the scoring apart from the network stack.
// Prints one JSON line. Usage: mlpipe_serve_score_bench BUNDLE BODY_FILE [REQUESTS]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
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
  for (int i = 0; i < 200; ++i) bytes += service.score(nlohmann::json::parse(text)).dump().size();  // warm up
  std::vector<double> us(size_t(std::max(1L, n)));
  for (auto& t : us) {
    auto t0 = Clock::now();
    bytes += service.score(nlohmann::json::parse(text)).dump().size();
    t = std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
  }
  std::vector<double> sorted = us;
  std::sort(sorted.begin(), sorted.end());
  double sum = 0;
  for (double t : us) sum += t;
  std::printf("{\"requests\": %zu, \"mean_us\": %.2f, \"p50_us\": %.2f, \"p99_us\": %.2f, \"bytes\": %zu}\n", us.size(),
              sum / double(us.size()), sorted[sorted.size() / 2], sorted[sorted.size() * 99 / 100], bytes);
}
