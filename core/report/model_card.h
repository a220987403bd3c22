#pragma once
// `mlpipe report RUN --card`: the validation pack a model-risk reviewer reads (SR 11-7-style):
// intended use, data lineage, performance overall and by segment, fairness, calibration,
// stability, global reason-code importance, limitations, and the registry's promotion history.
// One document model rendered two ways: self-contained HTML and Markdown for review systems.
#include <cstdint>
#include <string>
#include <vector>

#include "core/store/query.h"
#include "core/store/database.h"

namespace mlpipe {

struct CardBlock {
  std::string text;   // a paragraph (plain text), or
  bool is_table = false;
  QueryResult table;  // a table, or
  std::string html;   // an inline chart: HTML only (Markdown says where to find it)
  std::vector<std::string> items;  // a bullet list
};

struct CardSection {
  std::string title;
  std::vector<CardBlock> blocks;
};

struct ModelCard {
  std::string title;
  std::vector<CardSection> sections;
};

ModelCard build_model_card(Db& db, int64_t run);
std::string card_html(const ModelCard& card);
std::string card_markdown(const ModelCard& card);

}  // namespace mlpipe
