#include "cli/http_server_setup.h"

#include <sys/socket.h>

#include <algorithm>
#include <memory>
#include <thread>

namespace mlpipe {

unsigned configure_http_server(httplib::Server& svr, unsigned threads, int timeout_s) {
  // httplib gives each keep-alive connection a pool thread for its life: 64 (or 4 a core) so that
  // 64 clients at once are all answered; the model call itself is what the cores share.
  if (!threads) threads = std::max(64u, 4 * std::thread::hardware_concurrency());
  svr.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  svr.set_payload_max_length(64u << 20);
  svr.set_tcp_nodelay(true);  // else Nagle + delayed ACK hold every response ~40 ms
  svr.set_keep_alive_max_count(100000);  // httplib closes a connection after 5 requests by default
  // A slow or idle client gives its thread back: reading a request, writing the answer and
  // waiting for the next request on a kept-alive connection are bounded.
  svr.set_read_timeout(timeout_s, 0);
  svr.set_write_timeout(timeout_s, 0);
  svr.set_keep_alive_timeout(std::max(1, timeout_s / 2));
  return threads;
}

int bind_http_server(httplib::Server& svr, const std::string& host, int port) {
  // httplib listens with a backlog of 5: 64 clients connecting at once overflowed it, and each
  // refused SYN came back a second later (p99 1.07 s at 64 connections). Its listening socket
  // is listened on again with a deep backlog once bound (the options also keep SO_REUSEADDR).
  // The server keeps the callback: it owns the socket number it writes, not this frame.
  auto listen_fd = std::make_shared<int>(-1);
  svr.set_socket_options([listen_fd](int sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    *listen_fd = sock;
  });
  int bound = port == 0 ? svr.bind_to_any_port(host) : (svr.bind_to_port(host, port) ? port : -1);
  if (bound >= 0 && *listen_fd >= 0) ::listen(*listen_fd, 4096);
  return bound;
}

}  // namespace mlpipe
