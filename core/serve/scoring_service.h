#pragma once
// What `mlpipe serve` answers, without the HTTP: a loaded bundle scoring JSON requests through
// predict's own code path (prepare_table, score_rows), its description, and the swap to a newer
// bundle when an alias moves. Thread-safe: requests run concurrently; set_bundle swaps the model
// atomically, and a request in flight finishes on the bundle it started with.
#include <atomic>
#include <deque>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/predict/bundle.h"
#include "core/predict/predict.h"
#include "core/serve/event_history.h"
#include "core/serve/history_log.h"
#include "core/serve/row_program.h"
#include "core/serve/sample_recorder.h"

namespace mlpipe {

// Where a served bundle came from: a folder, or a registered version (NAME@ALIAS).
struct ServedModel {
  std::filesystem::path dir;
  std::string name;     // "" for a folder
  int64_t version = 0;  // 0 for a folder
  std::string alias;    // the alias it was reached by ("" for a folder or a fixed version)
};

class ScoringService {
 public:
  // Loads and checks the bundle (load_bundle); throws ConfigError when it is refused.
  explicit ScoringService(const ServedModel& model);

  // Loads another bundle and makes it the one new requests use. Throws (and keeps the current
  // one) when the new bundle is refused. The event history widens to what it needs (see
  // widen_history), and sequence windows are recomputed by it from the events they hold.
  void set_bundle(const ServedModel& model);
  // Keeps, from now on, the history these models' features need as well (every version an alias
  // may move to), so that a move does not find it gone. Events scored while the history lacks
  // part of what their windows read say "history_complete": false. Returns whether it widened.
  bool widen_history(const std::vector<HistorySpec>& specs);
  ServedModel served() const;

  // POST /v1/score: {"rows": [{...}, ...]} or {"row": {...}}, optional "explain": K or "all".
  // Returns {"model": {...}, "results": [...]} (see docs/serving.md). Throws RequestError for a
  // malformed request, StepError or ConfigError for rows the bundle cannot score (both are the
  // client's: 400).
  nlohmann::ordered_json score(const nlohmann::json& request) const;
  // POST /v1/score's fast path: for a one-row body of plain values that the bundle's row program
  // takes (core/serve/row_program.h), the text score() would give it once dumped, without a JSON
  // tree or a table; nullopt when the request needs score() (anything else, any error). Not
  // while samples are recorded (they keep the request's JSON).
  std::optional<std::string> score_text(std::string_view body) const;

  // POST /v1/events: {"events": [{...}, ...], "score": true}. Each event, in order, is scored
  // on the kept history of its entities followed by itself (what predict gives it in a file of
  // every earlier event), then kept. Events come in time order (RequestError otherwise).
  nlohmann::ordered_json events(const nlohmann::json& request);
  // POST /v1/labels: {"labels": [{"id": ..., "label": ...}]}: labels that arrived after their
  // events, for label_rate features. Returns how many were applied and the ids not kept.
  nlohmann::ordered_json labels(const nlohmann::json& request);

  // Keeps the event history in `file` (core/serve/history_log.h): what it holds is taken first
  // (so a restarted server has the history it had), then every event and label is appended.
  // Returns how many events the history has taken (a snapshot's included).
  // `snapshot_every`: lines between snapshots of what is kept (0: when the log doubles it).
  size_t keep_history_in(const std::filesystem::path& file, size_t snapshot_every = 0);
  // Whether the model's features need earlier events (history transforms or a sequence window).
  bool uses_history() const;
  // Events scored on a cut history ("history_complete": false) so far.
  uint64_t cut_scores() const { return cut_scores_; }
  // /v1/score requests score_text answered (the rest took score()).
  uint64_t fast_answers() const { return fast_answers_; }

  // Offers every scored row, with its result, to `r` (serve --sample); nullptr: none. Set before
  // serving; `r` outlives the requests.
  void record_samples_in(SampleRecorder* r) { recorder_ = r; }

  // GET /v1/model: name, version, trainer, task, features with their types, metrics, hashes.
  nlohmann::ordered_json describe() const;

 public:
  struct Loaded {
    ServedModel model;
    LoadedBundle bundle;
    CsvOptions csv;               // how the training data was read
    IngestPlan plan;              // prepare_table's reading of preprocess.json, for the model's features
    std::string manifest_sha256;  // of manifest.json as loaded
    std::vector<std::string> column_names;  // the training data's columns, as read
    std::set<std::string> known_columns;
    bool keeps_history = false;  // features need earlier events: a history transform or a sequence window
    HistorySpec need;            // what its history transforms read (empty when none, or not servable)
    std::unique_ptr<const RowProgram> fast;  // the one-row path (nullptr: every request takes the table path)
    std::string identity_text;               // model_identity, dumped
  };
  // A sequence model's window: an entity's last max_len events, each with the features the
  // served bundle computed for it at its own time.
  struct WindowEvent {
    nlohmann::json raw;
    double t = 0;
    uint64_t seq = 0;
    Table features;     // one row
    bool exact = true;  // its features read a complete history
  };
  struct Window {
    std::deque<WindowEvent> events;
    bool partial = false;  // may lack earlier events of the entity (its window was cut): until full
  };

 private:
  static std::shared_ptr<const Loaded> load(const ServedModel& model);
  std::shared_ptr<const Loaded> current() const;
  // Results for `rows` (a JSON list of objects) through predict's path; `unseen` gets the count.
  static std::vector<nlohmann::ordered_json> results_for(const Loaded& l, const nlohmann::json& rows,
                                                         const PredictOptions& opt, size_t* unseen);
  static std::vector<nlohmann::ordered_json> results_from(const Loaded& l, PreparedData prepared,
                                                          const PredictOptions& opt, size_t* unseen);
  // One event: scored (when asked) on its history, then kept. Under history_mu_.
  std::optional<nlohmann::ordered_json> take_event(const Loaded& l, const nlohmann::json& event, size_t i, bool scoring,
                                                   const PredictOptions& opt);

  void offer_samples(const Loaded& l, const char* route, const nlohmann::json& rows,
                     const std::vector<nlohmann::ordered_json>& results) const;
  SampleRecorder* recorder_ = nullptr;
  std::atomic<uint64_t> cut_scores_{0};
  mutable std::atomic<uint64_t> fast_answers_{0};
  mutable std::mutex mu_;  // guards loaded_ (the pointer, not the bundle)
  std::shared_ptr<const Loaded> loaded_;
  std::mutex history_mu_;  // events are taken one request at a time, in order
  std::unique_ptr<EventHistory> history_;
  std::unique_ptr<HistoryLog> log_;
  std::map<std::string, Window> windows_;  // sequence models, by entity value
  std::string windows_entity_;             // the entity column, max_len and bundle they are for
  size_t windows_max_len_ = 0;
  std::string windows_sha_;
  bool windows_cut_ = false;               // a window begun now may lack earlier events
  double latest_ = -1e300;                 // the latest event time taken
  uint64_t seq_ = 0;                       // events taken so far
  EventHistory& history(const Loaded& l);
  // Under history_mu_: widen to `spec`, logging the new retention.
  bool widen_locked(const Loaded& l, const HistorySpec& spec);
  // Under history_mu_: the windows' features as `next` computes them, from the kept events.
  void rebuild_windows(const Loaded& next);
  // The lines a snapshot of the history is (retention, kept events, windows).
  std::vector<nlohmann::json> snapshot_lines() const;
  size_t kept_count() const;
  void log_lines(const std::vector<nlohmann::json>& lines);
};

// A request's model identity as responses give it.
nlohmann::ordered_json model_identity(const ServedModel& m, const nlohmann::json& manifest, const std::string& sha);

}  // namespace mlpipe
