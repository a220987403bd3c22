#include "trainers/torch/seq_net.h"

#include <cmath>

using nlohmann::json;

namespace mlpipe {

json SeqNetConfig::to_json() const {
  return {{"arch", arch}, {"features", features}, {"max_len", max_len}, {"hidden", hidden}, {"layers", layers},
          {"attention_heads", attention_heads}, {"feedforward", feedforward}, {"embedding_dim", embedding_dim},
          {"heads", heads}, {"dropout", dropout}, {"vocab_sizes", vocab_sizes}, {"head_sizes", head_sizes}};
}

int64_t SeqNetConfig::outputs() const {
  int64_t n = 0;
  for (int64_t k : head_sizes) n += k;
  return head_sizes.empty() ? heads : n;
}

SeqNetConfig SeqNetConfig::from_json(const json& j) {
  SeqNetConfig c;
  c.arch = j.at("arch");
  c.features = j.at("features");
  c.max_len = j.at("max_len");
  c.hidden = j.at("hidden");
  c.layers = j.at("layers");
  c.attention_heads = j.at("attention_heads");
  c.feedforward = j.at("feedforward");
  c.embedding_dim = j.at("embedding_dim");
  c.heads = j.at("heads");
  c.dropout = j.at("dropout");
  c.vocab_sizes = j.at("vocab_sizes").get<std::vector<int64_t>>();
  // Bundles from before cross-entropy heads have one output per head.
  c.head_sizes = j.contains("head_sizes") ? j["head_sizes"].get<std::vector<int64_t>>()
                                          : std::vector<int64_t>(size_t(c.heads), 1);
  return c;
}

SeqNetImpl::SeqNetImpl(const SeqNetConfig& c) : cfg_(c) {
  int64_t in = c.features;
  for (size_t k = 0; k < c.vocab_sizes.size(); ++k) {
    auto e = torch::nn::Embedding(torch::nn::EmbeddingOptions(c.vocab_sizes[k], c.embedding_dim).padding_idx(0));
    embeddings_.push_back(register_module("embedding_" + std::to_string(k), e));
    in += c.embedding_dim;
  }
  input_ = register_module("input", torch::nn::Linear(in, c.hidden));
  double rnn_dropout = c.layers > 1 ? c.dropout : 0.0;
  if (c.arch == "lstm") {
    lstm_ = register_module("lstm", torch::nn::LSTM(torch::nn::LSTMOptions(c.hidden, c.hidden)
                                                        .num_layers(c.layers).batch_first(true).dropout(rnn_dropout)));
  } else if (c.arch == "gru") {
    gru_ = register_module("gru", torch::nn::GRU(torch::nn::GRUOptions(c.hidden, c.hidden)
                                                     .num_layers(c.layers).batch_first(true).dropout(rnn_dropout)));
  } else {
    auto layer = torch::nn::TransformerEncoderLayerOptions(c.hidden, c.attention_heads)
                     .dim_feedforward(c.feedforward).dropout(c.dropout);
    encoder_ = register_module("encoder", torch::nn::TransformerEncoder(
                                              torch::nn::TransformerEncoderOptions(layer, c.layers)));
    // Sinusoidal positions (Vaswani et al.), a buffer: saved with the weights, never trained.
    torch::Tensor pe = torch::zeros({c.max_len, c.hidden});
    for (int64_t p = 0; p < c.max_len; ++p)
      for (int64_t i = 0; i < c.hidden; ++i) {
        double angle = double(p) / std::pow(10000.0, double(2 * (i / 2)) / double(c.hidden));
        pe[p][i] = i % 2 == 0 ? std::sin(angle) : std::cos(angle);
      }
    positions_ = register_buffer("positions", pe);
  }
  out_ = register_module("heads", torch::nn::Linear(c.hidden, c.outputs()));
}

std::vector<torch::Tensor> SeqNetImpl::embed(const torch::Tensor& cat) {
  std::vector<torch::Tensor> out;
  for (size_t k = 0; k < embeddings_.size(); ++k) out.push_back(embeddings_[k]->forward(cat.select(2, int64_t(k))));
  return out;
}

torch::Tensor SeqNetImpl::forward(const torch::Tensor& x, const torch::Tensor& cat, const torch::Tensor& mask) {
  return forward_embedded(x, embed(cat), mask);
}

torch::Tensor SeqNetImpl::project(const torch::Tensor& x, const std::vector<torch::Tensor>& embedded,
                                  const torch::Tensor& mask) {
  std::vector<torch::Tensor> parts = {x};
  for (const auto& e : embedded) parts.push_back(e);
  torch::Tensor h = input_->forward(torch::cat(parts, 2));  // [B, T, H]
  return h * mask.unsqueeze(2).to(h.dtype());               // padding stays exactly zero
}

torch::Tensor SeqNetImpl::project_steps(const torch::Tensor& x, const torch::Tensor& cat, const torch::Tensor& mask,
                                        int64_t from, int64_t steps) {
  // Contiguous slices: the projection then folds [B, steps] into one matrix product, as forward() does.
  auto part = [from, steps](const torch::Tensor& t) { return t.narrow(1, from, steps).contiguous(); };
  return project(part(x), embed(part(cat)), part(mask));
}

std::pair<torch::Tensor, SeqNetImpl::State> SeqNetImpl::recur(const torch::Tensor& h, const State* start) {
  if (lstm_) {
    auto [out, state] = start ? lstm_->forward(h, std::make_tuple(start->h, start->c)) : lstm_->forward(h);
    return {out, {std::get<0>(state), std::get<1>(state)}};
  }
  if (gru_) {
    auto [out, state] = start ? gru_->forward(h, start->h) : gru_->forward(h);
    return {out, {state, {}}};
  }
  throw std::logic_error("SeqNet: the encoder is not recurrent");
}

SeqNetImpl::State SeqNetImpl::state_after(const torch::Tensor& x, const torch::Tensor& cat, const torch::Tensor& mask,
                                          int64_t steps) {
  return recur(project_steps(x, cat, mask, 0, steps), nullptr).second;
}

torch::Tensor SeqNetImpl::forward_from(const State& start, const torch::Tensor& x, const torch::Tensor& cat,
                                       const torch::Tensor& mask, int64_t from) {
  torch::Tensor out = recur(project_steps(x, cat, mask, from, x.size(1) - from), &start).first;
  return out_->forward(out.select(1, -1));
}

torch::Tensor SeqNetImpl::forward_embedded(const torch::Tensor& x, const std::vector<torch::Tensor>& embedded,
                                           const torch::Tensor& mask) {
  torch::Tensor h = project(x, embedded, mask);
  torch::Tensor last;
  if (recurrent()) {
    last = recur(h, nullptr).first.select(1, -1);
  } else {
    torch::Tensor seq = (h + positions_.unsqueeze(0)).transpose(0, 1);  // [T, B, H]
    torch::Tensor enc = encoder_->forward(seq, /*mask=*/{}, /*src_key_padding_mask=*/mask.logical_not());
    last = enc.select(0, -1);
  }
  return out_->forward(last);
}

}  // namespace mlpipe
