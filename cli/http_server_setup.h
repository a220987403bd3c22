// How `mlpipe serve` sets up Debian's cpp-httplib: its thread pool, socket options, timeouts and
// listen backlog. bench/cpp/httplib_floor_server.cpp uses the same calls, so the transport floor
// it measures is serve's own set-up. Both functions act on a server not yet listening; call them
// from the thread that owns it.
#pragma once

#include <httplib.h>

#include <string>

namespace mlpipe {

// Sets the pool (`threads`, or 64 or 4 a core when 0), TCP_NODELAY, unbounded keep-alive, the
// body cap and the read/write/idle timeouts (`timeout_s`). Returns the pool's thread count.
unsigned configure_http_server(httplib::Server& svr, unsigned threads, int timeout_s);

// Binds `host`:`port` (0: any free port) with SO_REUSEADDR and a deep listen backlog; returns
// the port bound, or -1 when it could not bind. Listen with svr.listen_after_bind().
int bind_http_server(httplib::Server& svr, const std::string& host, int port);

}  // namespace mlpipe
