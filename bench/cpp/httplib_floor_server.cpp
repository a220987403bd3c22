// The transport floor of mlpipe serve: cpp-httplib set up as `mlpipe serve` sets it up (a pool
// of 64 threads, TCP_NODELAY, unbounded keep-alive, a deep listen backlog) whose POST /v1/score
// reads the body as serve does and answers a fixed JSON of the size of serve's one-row answer,
// without parsing or scoring anything. bench/serve_load.sh loads it beside mlpipe serve and the
// Python peer: what it reaches is the most any server on this library can answer on this
// machine, whatever its scoring costs.
// Usage: mlpipe_httplib_floor_server PORT   (prints "listening" once bound; SIGTERM stops it)
#include <httplib.h>
#include <sys/socket.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

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
  svr.new_task_queue = [] { return new httplib::ThreadPool(std::max(64u, 4 * std::thread::hardware_concurrency())); };
  svr.set_tcp_nodelay(true);
  svr.set_keep_alive_max_count(100000);
  svr.Post("/v1/score", [&answer](const httplib::Request&, httplib::Response& res, const httplib::ContentReader& read) {
    std::string text;
    read([&text](const char* data, size_t n) {
      text.append(data, n);
      return true;
    });
    res.set_content(answer, "application/json");
  });
  int listen_fd = -1;
  svr.set_socket_options([&listen_fd](int sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    listen_fd = sock;
  });
  if (!svr.bind_to_port("127.0.0.1", port)) {
    std::fprintf(stderr, "cannot listen on 127.0.0.1:%d\n", port);
    return 1;
  }
  if (listen_fd >= 0) ::listen(listen_fd, 4096);
  std::signal(SIGTERM, [](int) { std::_Exit(0); });
  std::printf("listening on 127.0.0.1:%d\n", port);
  std::fflush(stdout);
  svr.listen_after_bind();
  return 0;
}
