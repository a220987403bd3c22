// `mlpipe serve`: the HTTP front of core/serve/ScoringService on Debian's cpp-httplib. The only
// translation units that include httplib.h are this one and cli/http_server_setup.cpp.
#include <httplib.h>

#include <atomic>
#include <functional>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <iostream>
#include <optional>
#include <set>
#include <string_view>
#include <pthread.h>
#include <thread>

#include "cli/commands.h"
#include "cli/http_server_setup.h"
#include "core/serve/request_error.h"
#include "core/serve/sample_recorder.h"
#include "core/serve/scoring_service.h"
#include "core/serve/serve_metrics.h"
#include "core/store/model_registry.h"
#include "core/store/run_store.h"
#include "core/store/run_views.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/periodic_thread.h"
#include "core/util/sha256.h"

using nlohmann::json;
using nlohmann::ordered_json;

namespace mlpipe::cli {

namespace {

struct ServeOpts {
  std::string model, host = "127.0.0.1", store, history;
  int port = 8080;
  unsigned threads = 0;
  double reload_every = 2.0;
  int timeout_s = 10;
  size_t snapshot_every = 0;
  double sample = 0;
  uint64_t sample_seed = 0;
};

// NAME@ALIAS, NAME@VERSION or a bundle folder, resolved (and checked) now.
ServedModel resolve_served(const std::string& ref, const std::string& store_flag) {
  ServedModel m;
  auto at = ref.find('@');
  if (std::filesystem::exists(ref) || at == std::string::npos) {
    m.dir = ref;
    return m;
  }
  m.name = ref.substr(0, at);
  std::string which = ref.substr(at + 1);
  Db db = open_store_readonly(existing_store(store_flag).db());
  std::optional<ModelVersion> v = find_model(db, m.name, which);
  if (!v) throw ConfigError("model '" + m.name + "' has no version with alias '" + which + "'");
  m.version = v->version;
  bool fixed = !which.empty() && (std::isdigit(static_cast<unsigned char>(which[0])) ||
                                  (which[0] == 'v' && which.size() > 1 && std::isdigit(static_cast<unsigned char>(which[1]))));
  if (!fixed) m.alias = which;  // an alias (or "latest") can move: watched
  m.dir = verified_bundle_path(*v);
  return m;
}

void send_json(httplib::Response& res, int status, const ordered_json& body) {
  res.status = status;
  res.set_content(body.dump() + "\n", "application/json");
}

void send_error(httplib::Response& res, int status, const std::string& kind, const std::string& message) {
  send_json(res, status, ordered_json{{"error", {{"kind", kind}, {"message", message}}}});
}

// The history every registered version of `name` (but those in `seen`) reads: what a server
// following an alias keeps, so that the alias moving to any of them finds its history there.
// A version whose bundle cannot be read or whose history cannot be served is left out (it
// would be refused when the alias moves to it, with the reason).
std::vector<HistorySpec> registered_history(Db& db, const std::string& name, std::set<int64_t>& seen) {
  std::vector<HistorySpec> out;
  std::optional<ModelVersion> latest = find_model(db, name, "latest");
  if (!latest) return out;
  for (int64_t v = 1; v <= latest->version; ++v) {
    if (seen.count(v)) continue;
    seen.insert(v);
    try {
      std::optional<ModelVersion> m = find_model(db, name, std::to_string(v));
      if (!m) continue;
      std::filesystem::path dir = verified_bundle_path(*m);
      json pre = json::parse(read_file(dir / "preprocess.json"));
      json manifest = json::parse(read_file(dir / "manifest.json"));
      HistorySpec spec = history_spec(pre, manifest);
      if (spec.needed()) out.push_back(std::move(spec));
    } catch (const std::exception&) {
    }
  }
  return out;
}

// Follows an alias: every `every` seconds, the version it points to; a new one is loaded (and
// checked) beside the current one, then swapped in. A refused one leaves the current one serving.
class AliasWatcher {
 public:
  AliasWatcher(ScoringService& service, ServeMetrics& metrics, std::string store_flag, double every, std::set<int64_t> seen)
      : service_(service), metrics_(metrics), store_flag_(std::move(store_flag)), seen_(std::move(seen)), thread_(every, [this] { check(); }) {}

 private:
  void check() {
    ServedModel now = service_.served();
    try {
      Db db = open_store_readonly(existing_store(store_flag_).db());
      // New versions first: their history is kept from now on, before an alias moves to them.
      if (service_.uses_history() && service_.widen_history(registered_history(db, now.name, seen_)))
        std::cerr << "mlpipe: the history kept for " << now.name << "@" << now.alias
                  << " widened to what a newly registered version reads\n";
      std::optional<ModelVersion> v = find_model(db, now.name, now.alias);
      if (!v || v->version == now.version) return;
      ServedModel next = now;
      next.version = v->version;
      next.dir = verified_bundle_path(*v);
      service_.set_bundle(next);
      metrics_.set_model(next.name, next.version, sha256_file(next.dir / "manifest.json"));
      std::cerr << "mlpipe: " << now.name << "@" << now.alias << " moved to v" << next.version << " (was v"
                << now.version << "); serving it\n";
    } catch (const std::exception& e) {
      if (failed_version_ != now.version) std::cerr << "mlpipe: " << now.name << "@" << now.alias << ": " << e.what()
                                                    << "; still serving v" << now.version << "\n";
      failed_version_ = now.version;
      metrics_.count_reload_failure();
    }
  }

  ScoringService& service_;
  ServeMetrics& metrics_;
  std::string store_flag_;
  int64_t failed_version_ = -1;
  std::set<int64_t> seen_;  // registered versions whose history is kept
  PeriodicThread thread_;  // last: ticks only once the rest is built
};

int serve(const ServeOpts& o) {
  // SIGINT/SIGTERM stop the server gracefully (requests in flight finish): blocked in every
  // thread (so first, before XGBoost or OpenMP start any), taken by one that waits for them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  ServedModel first = resolve_served(o.model, o.store);
  ScoringService service(first);
  // A registered model that reads history keeps it in its store (serve/NAME@ALIAS/), so a
  // restart takes it back; --history FILE puts it elsewhere, --history none nowhere.
  std::string history = o.history;
  if (history.empty() && !first.name.empty() && service.uses_history())
    history = (existing_store(o.store).root() / "serve" / (first.name + "@" + (first.alias.empty() ? "v" + std::to_string(first.version) : first.alias)) /
               "history.jsonl").string();
  if (!history.empty() && history != "none") {
    size_t n = service.keep_history_in(history, o.snapshot_every);
    std::cerr << "mlpipe: history in " << history << ": " << n << " events taken back\n";
  }
  // An alias can move to any registered version: the history kept is what each of them reads.
  std::set<int64_t> seen;
  if (!first.alias.empty() && service.uses_history()) {
    Db db = open_store_readonly(existing_store(o.store).db());
    service.widen_history(registered_history(db, first.name, seen));
  }
  // Sampled rows and scores go to the store (for drift on live traffic), written behind the requests.
  std::unique_ptr<SampleRecorder> recorder;
  if (o.sample > 0) {
    recorder = std::make_unique<SampleRecorder>(existing_store(o.store).db(), o.sample, o.sample_seed);
    service.record_samples_in(recorder.get());
    std::cerr << "mlpipe: recording " << o.sample * 100 << "% of scored rows in " << existing_store(o.store).db().string()
              << " (mlpipe models samples " << (first.name.empty() ? "NAME" : first.name) << ")\n";
  }
  ServeMetrics metrics;
  metrics.set_model(first.name.empty() ? first.dir.filename().string() : first.name, first.version,
                    sha256_file(first.dir / "manifest.json"));

  httplib::Server svr;
  unsigned threads = configure_http_server(svr, o.threads, o.timeout_s);

  auto timed = [&metrics](const std::string& route, auto handler) {
    return [&metrics, route, handler](const httplib::Request& req, httplib::Response& res) {
      auto t0 = std::chrono::steady_clock::now();
      size_t rows = handler(req, res);
      metrics.observe(route, res.status, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), rows);
    };
  };
  // Bodies are read here, not by httplib: it parses (and caps at 8 KiB) bodies sent as
  // x-www-form-urlencoded, which is what `curl -d` says JSON is.
  // `fast`: the answer's text without a JSON tree, for the bodies it takes (ScoringService::score_text);
  // whatever it declines, or fails on, is answered the general way.
  using FastAnswer = std::function<std::optional<std::string>(std::string_view)>;
  auto json_post = [&svr, &metrics](const std::string& route, std::function<ordered_json(const json&)> answer, FastAnswer fast = nullptr) {
    svr.Post(route, [&metrics, route, answer, fast](const httplib::Request&, httplib::Response& res, const httplib::ContentReader& read) {
      auto t0 = std::chrono::steady_clock::now();
      size_t rows = 0;
      std::string text;
      read([&text](const char* data, size_t n) {
        text.append(data, n);
        return true;
      });
      if (fast) try {
          if (std::optional<std::string> out = fast(text)) {
            out->push_back('\n');
            res.status = 200;
            res.set_content(*out, "application/json");
            metrics.observe(route, res.status, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 1);
            return;
          }
        } catch (const std::exception&) {  // the general path answers it, and says what went wrong
        }
      json body;
      bool parsed = false;
      try {
        body = json::parse(text);
        parsed = true;
      } catch (const json::exception& e) {  // syntax, or a number out of range (1e400)
        send_error(res, 400, "request", std::string("the body is not JSON mlpipe can read: ") + e.what());
      }
      if (parsed) try {
          ordered_json out = answer(body);
          if (out.contains("results")) rows = out["results"].size();
          send_json(res, 200, out);
        } catch (const RequestError& e) {
          send_error(res, 400, "request", e.what());
        } catch (const Error& e) {  // rows the bundle cannot score: missing columns, text in a number
          send_error(res, 400, "data", e.what());
        } catch (const std::exception& e) {
          send_error(res, 500, "internal", e.what());
        }
      metrics.observe(route, res.status, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), rows);
    });
  };
  json_post("/v1/score", [&service](const json& b) { return service.score(b); },
            [&service](std::string_view body) { return service.score_text(body); });
  json_post("/v1/events", [&service](const json& b) { return service.events(b); });
  json_post("/v1/labels", [&service](const json& b) { return service.labels(b); });
  svr.Get("/v1/model", timed("/v1/model", [&service](const httplib::Request&, httplib::Response& res) -> size_t {
    send_json(res, 200, service.describe());
    return 0;
  }));
  svr.Get("/healthz", timed("/healthz", [](const httplib::Request&, httplib::Response& res) -> size_t {
    send_json(res, 200, ordered_json{{"status", "ok"}});
    return 0;
  }));
  svr.Get("/readyz", timed("/readyz", [&service](const httplib::Request&, httplib::Response& res) -> size_t {
    ServedModel m = service.served();
    send_json(res, 200, ordered_json{{"status", "ready"}, {"name", m.name}, {"version", m.version}});
    return 0;
  }));
  svr.Get("/metrics", [&metrics, &service, &recorder](const httplib::Request&, httplib::Response& res) {
    std::string text = metrics.text();
    text += "# HELP mlpipe_history_cut_scores_total Events scored while their windows lacked events the server did not keep.\n"
            "# TYPE mlpipe_history_cut_scores_total counter\n"
            "mlpipe_history_cut_scores_total " + std::to_string(service.cut_scores()) + "\n"
            "# HELP mlpipe_score_fast_path_total /v1/score requests answered by the one-row path (no JSON tree, no table).\n"
            "# TYPE mlpipe_score_fast_path_total counter\n"
            "mlpipe_score_fast_path_total " + std::to_string(service.fast_answers()) + "\n";
    if (recorder) {
      text += "# HELP mlpipe_samples_total Scored rows sampled for the store (--sample), by outcome.\n"
              "# TYPE mlpipe_samples_total counter\n";
      text += "mlpipe_samples_total{outcome=\"recorded\"} " + std::to_string(recorder->recorded()) + "\n";
      text += "mlpipe_samples_total{outcome=\"dropped\"} " + std::to_string(recorder->dropped()) + "\n";
      text += "mlpipe_samples_total{outcome=\"failed\"} " + std::to_string(recorder->failed()) + "\n";
    }
    res.set_content(text, "text/plain; version=0.0.4");
  });
  svr.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;  // a handler's own error answer
    if (res.status == 404)
      send_error(res, 404, "not_found", req.method + " " + req.path +
                                            ": no such route; routes: POST /v1/score, /v1/events, /v1/labels; GET /v1/model, /healthz, /readyz, /metrics");
    else if (res.status == 413)
      send_error(res, 413, "request", "the body is over 64 MiB; send fewer rows per request");
    else
      send_error(res, res.status, "request", "HTTP " + std::to_string(res.status));
  });

  int port = bind_http_server(svr, o.host, o.port);
  if (port < 0 && o.port == 0) throw ConfigError("serve: cannot listen on " + o.host + " (any port)");
  if (port < 0)
    throw ConfigError("serve: cannot listen on " + o.host + ":" + std::to_string(o.port) +
                      " (in use, or not an address of this machine); choose another --port, or --port 0 for any free one");
  std::atomic<int> got_signal{0};
  std::thread signals([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    got_signal = sig;
    svr.stop();
  });
  std::unique_ptr<AliasWatcher> watcher;
  if (!first.alias.empty()) watcher = std::make_unique<AliasWatcher>(service, metrics, o.store, o.reload_every, seen);

  std::string what = first.name.empty() ? first.dir.string()
                                        : first.name + " v" + std::to_string(first.version) +
                                              (first.alias.empty() ? "" : " (" + first.name + "@" + first.alias + ", followed)");
  // The first stdout line says where: scripts (and the tests) read the port from it.
  std::cout << "mlpipe: serving " << what << " on http://" << o.host << ":" << port << " with " << threads
            << " threads" << std::endl;
  svr.listen_after_bind();
  watcher.reset();
  if (!got_signal) {  // stopped for another reason: wake the signal thread
    pthread_kill(signals.native_handle(), SIGTERM);
  }
  signals.join();
  std::cerr << "mlpipe: serve stopped" << (got_signal ? std::string(" by ") + (got_signal == SIGINT ? "SIGINT" : "SIGTERM") : "")
            << "\n";
  return 0;
}

}  // namespace

void add_serve(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<ServeOpts>();
  CLI::App* cmd = app.add_subcommand("serve", "Answer scoring requests over HTTP with a bundle or a registered model (NAME@champion)");
  cmd->footer(
      "Routes: POST /v1/score {\"rows\": [{...}], \"explain\": 3}, POST /v1/events {\"events\": [...]} (history features),\n"
      "  POST /v1/labels {\"labels\": [{\"id\": ..., \"label\": 1}]}, GET /v1/model, /healthz, /readyz, /metrics\n"
      "Examples:\n  mlpipe serve credit-default@champion --port 8080   (follows the alias as it moves)\n"
      "  curl -s localhost:8080/v1/model   (the columns a row sends, under \"columns\")\n"
      "  curl -s localhost:8080/v1/score -d '{\"row\": {\"LIMIT_BAL\": 20000, \"PAY_0\": 2, ...}, \"explain\": 3}'\n"
      "More: docs/serving.md");
  cmd->add_option("model", o->model, "Bundle folder, or NAME@ALIAS / NAME@VERSION from the registry")->required();
  cmd->add_option("--host", o->host, "Address to listen on (default 127.0.0.1: this machine only)");
  cmd->add_option("--port", o->port, "Port (default 8080; 0: any free port, printed on the first line)")->check(CLI::Range(0, 65535));
  cmd->add_option("--threads", o->threads, "Connection threads: each keep-alive connection holds one (default 64, or 4 a core if more)")->check(CLI::Range(1, 1024));
  cmd->add_option("--reload-every", o->reload_every, "With NAME@ALIAS: seconds between checks of where the alias points (default 2)")
      ->check(CLI::Range(0.05, 3600.0));
  cmd->add_option("--timeout", o->timeout_s,
                  "Seconds a client may take to send a request or read the answer (default 10); an idle kept-alive "
                  "connection is closed after half of it")
      ->check(CLI::Range(1, 3600));
  cmd->add_option("--history", o->history,
                  "Keep /v1/events history in this file (JSON lines, fsynced per request): a restarted server takes it back "
                  "(default for NAME@ALIAS: the store's serve/NAME@ALIAS/history.jsonl; none: keep it in memory only)")
      ->type_name("FILE");
  cmd->add_option("--sample", o->sample,
                  "Record this fraction of scored rows (0 to 1), with their results, in the store's serve_samples table "
                  "for drift monitoring (mlpipe models samples NAME writes them as CSV); default 0: none")
      ->type_name("RATE")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--sample-seed", o->sample_seed, "Seed of the draw that picks sampled rows (default 0)")->type_name("N");
  cmd->add_option("--snapshot-every", o->snapshot_every,
                  "Rewrite the history file as a snapshot of what is kept every N lines, which bounds a restart's replay "
                  "(default 0: when the file holds twice what is kept)")
      ->type_name("N")
      ->check(CLI::Range(0, 1000000000));
  add_store_option(cmd, o->store);
  cmd->callback([o, &exit_code] { exit_code = serve(*o); });
}

}  // namespace mlpipe::cli
