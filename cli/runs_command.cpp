#include <iostream>

#include "cli/commands.h"
#include "core/platform/environment.h"
#include "core/store/run_deletion.h"
#include "core/store/run_labels.h"
#include "core/store/run_push.h"
#include "core/store/run_store.h"
#include "core/store/run_views.h"
#include "core/store/runs_table.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace mlpipe::cli {

void add_runs(CLI::App& app, int& exit_code) {
  CLI::App* runs = app.add_subcommand("runs", "List and inspect recorded runs");
  runs->require_subcommand(1);
  add_runs_diff(*runs, exit_code);
  add_runs_compare(*runs, exit_code);

  struct ListOpts {
    std::string store, format = "table", columns;
    RunsTableOptions t;
    bool json = false;
  };
  auto lo = std::make_shared<ListOpts>();
  CLI::App* list = runs->add_subcommand("list", "The runs table: one row per run with its parameters and final metrics, newest first");
  add_store_option(list, lo->store);
  list->add_option("--pipeline", lo->t.pipeline, "Only runs of this pipeline");
  list->add_option("--status", lo->t.status, "Only runs that ended so: ok, failed, gate_failed, interrupted, running")
      ->check(CLI::IsMember({"ok", "failed", "gate_failed", "interrupted", "running"}));
  list->add_option("--since", lo->t.since, "Only runs started since a date (2026-11-30) or a duration ago (7d, 12h)");
  list->add_option("--tag", lo->t.tags, "Only runs with this tag: KEY or KEY=VALUE (repeat: all of them)");
  list->add_option("--filter", lo->t.filter, "Only runs where the expression holds, e.g. \"evaluate.auc > 0.78 and params.eta = 0.05\" (and, or)");
  list->add_option("--sort", lo->t.sort, "Sort by a column: NAME, NAME:asc or NAME:desc (default: newest first)");
  list->add_option("--columns", lo->columns, "Columns to show, comma-separated names or globs: run,status,params.*,evaluate.auc ('*': all)");
  list->add_flag("--only-changed", lo->t.only_changed, "Leave out columns whose value is the same in every listed run");
  list->add_option("--archived", lo->t.archived, "Archived runs (runs archive): hide (default), only or show")
      ->check(CLI::IsMember({"hide", "only", "show"}));
  list->add_option("-n,--limit", lo->t.limit, "How many runs (default 20; 0 for all)");
  list->add_option("--format", lo->format, "table, csv, json or markdown")->check(CLI::IsMember({"table", "csv", "json", "markdown"}));
  list->add_flag("--json", lo->json, "JSON output (the same as --format json)");
  list->footer("Examples:\n  mlpipe runs list --filter \"evaluate.auc > 0.78\" --sort evaluate.auc:desc -n 5\n"
               "  mlpipe runs list --pipeline credit-default --only-changed --format markdown");
  list->callback([lo, &exit_code] {
    Db db = open_store_readonly(existing_store(lo->store).db());
    if (!lo->columns.empty()) lo->t.columns = split(lo->columns, ',');
    QueryResult r = runs_table(db, lo->t);
    std::string format = lo->json ? "json" : lo->format;
    if (format == "table" || format == "markdown") round_for_people(r);
    std::cout << format_result(r, format);
    exit_code = 0;
  });

  struct PushOpts {
    std::string store, to;
    std::vector<std::string> runs;
  };
  auto po = std::make_shared<PushOpts>();
  CLI::App* push = runs->add_subcommand(
      "push", "Copy runs into another store (e.g. the team's PostgreSQL store) with their records, files, cache entries "
              "and registered versions");
  add_store_option(push, po->store);
  push->add_option("runs", po->runs, "Runs to copy: ids, names or global ids")->required();
  push->add_option("--to", po->to, "The store to copy into: a folder or postgresql://...?objects=FOLDER")->required();
  push->footer("Runs keep their global ids: one the target has already is not copied again. The runs a pushed run\n"
               "reused steps of, reproduces or belongs to (a sweep) go with it. A model version the target holds\n"
               "already (same bytes) is that version there; another becomes the target's next version; no alias moves.\n"
               "Example:\n  mlpipe runs push latest --to 'postgresql://mlpipe@db:5432/mlpipe?objects=/shared/mlpipe-objects'");
  push->callback([po, &exit_code] {
    StoreLayout from = existing_store(po->store);
    StoreLayout to = choose_store(po->to, ".mlpipe");
    std::vector<int64_t> ids;
    {
      RunStore store(from.db());
      for (const auto& r : po->runs) ids.push_back(resolve_run_id(store.db(), r));
    }
    PushReport rep = push_runs(from, to, ids);
    for (const PushedRun& p : rep.runs) {
      std::cout << "run " << p.from_id << " (" << p.run_uid << ")"
                << (p.already ? " is run " + std::to_string(p.to_id) + " there already"
                              : " -> run " + std::to_string(p.to_id))
                << (p.asked ? "" : " (a run it depends on)") << "\n";
      for (const auto& m : p.models) std::cout << "  " << m << "\n";
    }
    std::cout << "mlpipe: " << rep.objects << " object(s) copied (" << rep.bytes << " bytes) into "
              << to.shown() << "\n";
    exit_code = 0;
  });

  struct TagOpts {
    std::string store, run;
    std::vector<std::string> tags, remove;
  };
  auto to = std::make_shared<TagOpts>();
  CLI::App* tag = runs->add_subcommand("tag", "Set or remove tags of a run (each change is recorded, with who made it)");
  tag->add_option("run", to->run, "Run id, name, or 'latest'")->required();
  tag->add_option("tags", to->tags, "KEY=VALUE to set");
  tag->add_option("--remove", to->remove, "KEY to remove");
  add_store_option(tag, to->store);
  tag->footer("Example: mlpipe runs tag 12 ticket=RISK-42 reviewed=yes");
  tag->callback([to, &exit_code] {
    if (to->tags.empty() && to->remove.empty()) throw ConfigError("runs tag: give KEY=VALUE to set or --remove KEY");
    std::vector<std::pair<std::string, std::string>> set;
    for (const auto& t : to->tags) set.push_back(parse_tag(t));
    for (const auto& k : to->remove) check_tag_key(k);
    StoreLayout layout = existing_store(to->store);
    RunStore store(layout.db());
    int64_t id = resolve_run_id(store.db(), to->run);
    for (const auto& [k, v] : set) store.tag_run(id, k, v, user_name());
    for (const auto& k : to->remove) store.tag_run(id, k, std::nullopt, user_name());
    std::cerr << "mlpipe: run " << id << ": " << set.size() << " tag(s) set, " << to->remove.size() << " removed\n";
    exit_code = 0;
  });

  struct DeleteOpts {
    std::string store;
    std::vector<std::string> runs;
    bool yes = false;
  };
  auto dl = std::make_shared<DeleteOpts>();
  CLI::App* del = runs->add_subcommand("delete", "Delete runs made by mistake (refused when other records depend on them: archive those)");
  del->add_option("runs", dl->runs, "Run ids or names")->required();
  del->add_flag("--yes", dl->yes, "Delete (without it: say what would be deleted)");
  add_store_option(del, dl->store);
  del->footer("Examples:\n  mlpipe runs delete 14           (what would go)\n  mlpipe runs delete 14 15 --yes");
  del->callback([dl, &exit_code] {
    StoreLayout layout = existing_store(dl->store);
    RunStore store(layout.db());
    std::vector<int64_t> ids;
    for (const auto& r : dl->runs) ids.push_back(resolve_run_id(store.db(), r));
    DeletePlan plan = plan_run_deletion(store.db(), ids);
    std::string what = "run" + std::string(plan.runs.size() == 1 ? " " : "s ");
    for (size_t i = 0; i < plan.runs.size(); ++i) what += (i ? ", " : "") + std::to_string(plan.runs[i]);
    what += " (records, files and " + std::to_string(plan.cache_entries) + " cache entries; their objects are freed by the next gc)";
    if (!dl->yes) {
      std::cout << "would delete " << what << "; run again with --yes\n";
      exit_code = 0;
      return;
    }
    delete_runs(store, layout, plan, user_name());
    std::cerr << "mlpipe: deleted " << what << "\n";
    exit_code = 0;
  });

  struct ArchiveOpts {
    std::string store;
    std::vector<std::string> runs;
    bool undo = false;
  };
  auto ar = std::make_shared<ArchiveOpts>();
  CLI::App* archive = runs->add_subcommand("archive", "Hide runs from runs list (a tag, archived=yes; their records stay)");
  archive->add_option("runs", ar->runs, "Run ids or names")->required();
  archive->add_flag("--undo", ar->undo, "Show them again");
  add_store_option(archive, ar->store);
  archive->footer("Examples:\n  mlpipe runs archive 3 4\n  mlpipe runs list --archived only");
  archive->callback([ar, &exit_code] {
    StoreLayout layout = existing_store(ar->store);
    RunStore store(layout.db());
    for (const auto& r : ar->runs)
      store.tag_run(resolve_run_id(store.db(), r), "archived", ar->undo ? std::nullopt : std::optional<std::string>("yes"), user_name());
    std::cerr << "mlpipe: " << ar->runs.size() << " run(s) " << (ar->undo ? "unarchived" : "archived") << "\n";
    exit_code = 0;
  });

  struct NoteOpts {
    std::string store, run, text;
  };
  auto no = std::make_shared<NoteOpts>();
  CLI::App* note = runs->add_subcommand("note", "Add a note to a run (notes are kept in order, never edited)");
  note->add_option("run", no->run, "Run id, name, or 'latest'")->required();
  note->add_option("text", no->text, "The note")->required();
  add_store_option(note, no->store);
  note->footer("Example: mlpipe runs note latest \"baseline for the Q4 review\"");
  note->callback([no, &exit_code] {
    if (no->text.empty() || no->text.size() > 10000) throw ConfigError("runs note: a note has 1 to 10,000 characters");
    StoreLayout layout = existing_store(no->store);
    RunStore store(layout.db());
    int64_t id = resolve_run_id(store.db(), no->run);
    store.add_note(id, no->text, user_name());
    std::cerr << "mlpipe: note added to run " << id << "\n";
    exit_code = 0;
  });

  struct ShowOpts {
    std::string store, run;
    bool json = false;
  };
  auto so = std::make_shared<ShowOpts>();
  CLI::App* show = runs->add_subcommand("show", "Everything recorded about one run");
  show->footer("Examples:\n  mlpipe runs show latest\n  mlpipe runs show eta-0.1 --json");
  show->add_option("run", so->run, "Run id, or 'latest'")->required();
  add_store_option(show, so->store);
  show->add_flag("--json", so->json, "JSON output");
  show->callback([so, &exit_code] {
    Db db = open_store_readonly(existing_store(so->store).db());
    nlohmann::json d = run_details(db, resolve_run_id(db, so->run));
    std::cout << (so->json ? d.dump(2) + "\n" : format_run_details(d));
    exit_code = 0;
  });
}

}  // namespace mlpipe::cli
