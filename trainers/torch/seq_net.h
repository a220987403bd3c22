#pragma once
// The sequence network: per-event inputs (standardized numbers + categorical embeddings) are
// projected to `hidden`, encoded by an LSTM, GRU or Transformer encoder (sinusoidal positions,
// padding masked), and the encoding at the last position (the sample's own event: windows are
// left-padded) feeds a linear output layer: one logit per bce/mse head, one per class for a
// cross-entropy head, side by side in head order.
#include <torch/torch.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace mlpipe {

struct SeqNetConfig {
  std::string arch = "gru";
  int64_t features = 0, max_len = 0, hidden = 64, layers = 1, attention_heads = 4, feedforward = 128,
          embedding_dim = 16, heads = 1;
  double dropout = 0;
  std::vector<int64_t> vocab_sizes;
  std::vector<int64_t> head_sizes;  // outputs per head: 1 (bce, mse) or the classes (cross-entropy)

  int64_t outputs() const;

  nlohmann::json to_json() const;
  static SeqNetConfig from_json(const nlohmann::json& j);
};

class SeqNetImpl : public torch::nn::Module {
 public:
  explicit SeqNetImpl(const SeqNetConfig& c);
  // x [B, T, F] float, cat [B, T, C] long, mask [B, T] bool (true = event). Returns [B, outputs()] logits.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& cat, const torch::Tensor& mask);
  // The categorical embeddings of cat [B, T, C]: one [B, T, embedding_dim] tensor per column.
  std::vector<torch::Tensor> embed(const torch::Tensor& cat);
  // forward() from embedded categoricals: integrated gradients differentiate through them.
  torch::Tensor forward_embedded(const torch::Tensor& x, const std::vector<torch::Tensor>& embedded, const torch::Tensor& mask);

  // The LSTM's or GRU's state between two time steps: [layers, B, hidden] each; c only for the LSTM.
  struct State {
    torch::Tensor h, c;
  };
  // Whether the encoder is recurrent (LSTM, GRU): only then does forward_from() exist.
  bool recurrent() const { return !lstm_.is_empty() || !gru_.is_empty(); }
  // The recurrent state after the first `steps` time steps of (x, cat, mask), from the zero state.
  State state_after(const torch::Tensor& x, const torch::Tensor& cat, const torch::Tensor& mask, int64_t steps);
  // forward() over time steps `from`..T-1 only, resumed from `start` (the state after step from-1,
  // for B samples). Row for row the same bits as forward() on the whole window when `start` is
  // that window's state: the recurrent kernels compute each step from its input and the state.
  torch::Tensor forward_from(const State& start, const torch::Tensor& x, const torch::Tensor& cat,
                             const torch::Tensor& mask, int64_t from);

 private:
  // The encoder's per-step inputs [B, T, hidden]: projected events, exactly zero where padded.
  torch::Tensor project(const torch::Tensor& x, const std::vector<torch::Tensor>& embedded, const torch::Tensor& mask);
  // project() of time steps from..from+steps-1 of (x, cat, mask).
  torch::Tensor project_steps(const torch::Tensor& x, const torch::Tensor& cat, const torch::Tensor& mask, int64_t from,
                              int64_t steps);
  // The LSTM or GRU over inputs h [B, T', hidden] from `start` (nullptr: the zero state): its
  // outputs [B, T', hidden] and its state after the last step.
  std::pair<torch::Tensor, State> recur(const torch::Tensor& h, const State* start);

  SeqNetConfig cfg_;
  std::vector<torch::nn::Embedding> embeddings_;
  torch::nn::Linear input_{nullptr};
  torch::nn::LSTM lstm_{nullptr};
  torch::nn::GRU gru_{nullptr};
  torch::nn::TransformerEncoder encoder_{nullptr};
  torch::nn::Linear out_{nullptr};
  torch::Tensor positions_;
};
TORCH_MODULE(SeqNet);

}  // namespace mlpipe
