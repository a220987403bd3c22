// The transport floor of mlpipe serve: cpp-httplib set up by serve's own calls
// (cli/http_server_setup.h: its pool, TCP_NODELAY, keep-alive, timeouts, deep backlog) whose
// POST /v1/score reads the body as serve does and answers a fixed JSON of the size of serve's
// one-row answer, without parsing or scoring anything. bench/serve_load.sh loads it beside
// mlpipe serve and the Python peer: what it reaches is the most any server on this library can
// answer on this machine, whatever its scoring costs.
// Usage: mlpipe_httplib_floor_server PORT   (prints "listening" once bound; SIGTERM stops it)
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "cli/http_server_setup.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s PORT\n", argv[0]);
    return 2;
  }
  int port = std::atoi(argv[1]);
  // serve's one-row answer, with its model identity, as it is on the credit-default bundle
  const std::string answer =
      "{\"model\":{\"name\":\"credit-default\",\"version\":null,\"run_id\":\"r0000000000000000\","
      "\"manifest_sha256\":\"0000000000000000000000000000000000000000000000000000000000000000\"},"
      "\"results\":[{\"score\":0.2120409309864044}]}\n";
  httplib::Server svr;
  mlpipe::configure_http_server(svr, 0, 10);  // serve's defaults: the pool for its cores, --timeout 10
  svr.Post("/v1/score", [&answer](const httplib::Request&, httplib::Response& res, const httplib::ContentReader& read) {
    std::string text;
    read([&text](const char* data, size_t n) {
      text.append(data, n);
      return true;
    });
    res.set_content(answer, "application/json");
  });
  if (mlpipe::bind_http_server(svr, "127.0.0.1", port) < 0) {
    std::fprintf(stderr, "cannot listen on 127.0.0.1:%d\n", port);
    return 1;
  }
  std::signal(SIGTERM, [](int) { std::_Exit(0); });
  std::printf("listening on 127.0.0.1:%d\n", port);
  std::fflush(stdout);
  svr.listen_after_bind();
  return 0;
}
