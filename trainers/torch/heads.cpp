#include "trainers/torch/heads.h"

#include <charconv>
#include <cmath>

#include "core/metrics/metrics.h"
#include "core/util/error.h"
#include "core/util/strings.h"

using nlohmann::json;

namespace mlpipe {
namespace {

std::string shortest(float v) {  // 20.99, not 20.989999771118164
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

// Cross-entropy targets are class numbers: 0, 1, ... Returns the number of classes.
int64_t classes_of(const Head& h, const std::vector<float>& t, int64_t declared) {
  int64_t top = -1;
  for (float v : t) {
    if (std::isnan(v)) continue;
    if (v < 0 || v != std::floor(v))
      throw StepError("head '" + h.name + "' (cross_entropy): target values must be class numbers 0, 1, 2, ...; found " +
                      shortest(v));
    top = std::max(top, int64_t(v));
  }
  if (declared > 0) {
    if (top >= declared)
      throw StepError("head '" + h.name + "': found class " + std::to_string(top) + " but classes: " +
                      std::to_string(declared) + " (classes are numbered from 0)");
    return declared;
  }
  if (top < 1) throw StepError("head '" + h.name + "' (cross_entropy): the target has fewer than 2 classes");
  return top + 1;
}

}  // namespace

std::vector<Head> resolve_heads(const json& step, const SequenceSet& s) {
  std::vector<Head> heads;
  json spec = step.contains("heads") ? step["heads"] : json::array({{{"name", s.target_names[0]}}});
  int64_t offset = 0;
  for (const auto& h : spec) {
    Head head;
    head.name = h["name"];
    head.loss = h.value("loss", "bce");
    head.weight = h.value("weight", 1.0);
    head.pos_weight = h.value("pos_weight", 1.0);
    if (h.contains("class_weights")) head.class_weights = h["class_weights"].get<std::vector<double>>();
    std::string target = h.value("target", head.name);
    auto it = std::find(s.target_names.begin(), s.target_names.end(), target);
    if (it == s.target_names.end())
      throw StepError("head '" + head.name + "': target '" + target + "' is not among the sequences step's targets (" +
                      join(s.target_names, ", ") + "); add it to `targets:` there");
    head.target = int(it - s.target_names.begin());
    if (head.loss == "cross_entropy") head.outputs = classes_of(head, s.targets[size_t(head.target)], h.value("classes", 0));
    size_t want = head.loss == "mse" ? 0 : head.loss == "bce" ? 2 : size_t(head.outputs);
    if (!head.class_weights.empty() && head.class_weights.size() != want)
      throw StepError("head '" + head.name + "': class_weights has " + std::to_string(head.class_weights.size()) +
                      " values; " + (want ? "expected " + std::to_string(want) + " (one per class)" : "mse heads take none"));
    head.offset = offset;
    offset += head.outputs;
    heads.push_back(head);
  }
  return heads;
}

json heads_json(const std::vector<Head>& heads) {
  json out = json::array();
  for (const auto& h : heads) {
    json j = {{"name", h.name}, {"loss", h.loss}, {"target", h.target}};
    if (h.loss == "cross_entropy") j["classes"] = h.outputs;
    out.push_back(j);
  }
  return out;
}

std::vector<Head> heads_from_json(const json& j) {
  std::vector<Head> heads;
  int64_t offset = 0;
  for (const auto& h : j) {
    Head head;
    head.name = h["name"];
    head.loss = h["loss"];
    head.target = h["target"];
    head.outputs = h.value("classes", int64_t(1));
    head.offset = offset;
    offset += head.outputs;
    heads.push_back(head);
  }
  return heads;
}

std::vector<int64_t> head_sizes(const std::vector<Head>& heads) {
  std::vector<int64_t> out;
  for (const auto& h : heads) out.push_back(h.outputs);
  return out;
}

torch::Tensor head_loss(const torch::Tensor& logits, const torch::Tensor& y, const Head& h, size_t index) {
  namespace F = torch::nn::functional;
  torch::Tensor t = y.select(1, int64_t(index));
  torch::Tensor z = logits.narrow(1, h.offset, h.outputs);
  torch::Tensor known = t.isnan().logical_not();
  torch::Tensor t0 = torch::where(known, t, torch::zeros_like(t));
  auto weights = [&] { return torch::tensor(h.class_weights, logits.options()); };
  torch::Tensor each;
  if (h.loss == "bce") {
    auto opts = F::BinaryCrossEntropyWithLogitsFuncOptions().reduction(torch::kNone);
    if (h.pos_weight != 1) opts.pos_weight(torch::full({}, h.pos_weight, logits.options()));
    each = F::binary_cross_entropy_with_logits(z.squeeze(1), t0, opts);
    if (!h.class_weights.empty()) each = each * weights().index_select(0, t0.to(torch::kLong));
  } else if (h.loss == "cross_entropy") {
    auto opts = F::CrossEntropyFuncOptions().reduction(torch::kNone);
    if (!h.class_weights.empty()) opts.weight(weights());
    each = F::cross_entropy(z, t0.to(torch::kLong), opts);
  } else {
    each = (z.squeeze(1) - t0).pow(2);
  }
  torch::Tensor k = known.to(logits.dtype());
  return (each * k).sum() / k.sum().clamp_min(1);
}

torch::Tensor total_loss(const torch::Tensor& logits, const torch::Tensor& y, const std::vector<Head>& heads) {
  torch::Tensor total = torch::zeros({}, logits.options());
  for (size_t h = 0; h < heads.size(); ++h) total = total + heads[h].weight * head_loss(logits, y, heads[h], h);
  return total;
}

double head_metrics(const torch::Tensor& logits_in, const torch::Tensor& y_in, const std::vector<Head>& heads,
                    int64_t epoch, std::vector<MetricPoint>& points) {
  torch::Tensor logits = logits_in.to(torch::kFloat64).contiguous(), y = y_in.to(torch::kFloat64).contiguous();
  int64_t n = y.size(0), width = logits.size(1), nh = y.size(1);
  const double* z = logits.data_ptr<double>();
  const double* t = y.data_ptr<double>();
  double first = NAN;
  for (size_t hi = 0; hi < heads.size(); ++hi) {
    const Head& h = heads[hi];
    double loss = head_loss(logits_in, y_in, h, hi).item<double>();
    points.push_back({h.name + ".loss", "valid", epoch, loss});
    double metric = loss;
    std::vector<double> yy, pp;
    size_t correct = 0;
    for (int64_t i = 0; i < n; ++i) {
      double v = t[i * nh + int64_t(hi)];
      if (std::isnan(v)) continue;
      const double* zi = z + i * width + h.offset;
      yy.push_back(v);
      if (h.loss == "bce") {
        pp.push_back(1.0 / (1.0 + std::exp(-zi[0])));
      } else if (h.loss == "mse") {
        pp.push_back(zi[0]);
      } else {
        correct += size_t(std::max_element(zi, zi + h.outputs) - zi) == size_t(v);
      }
    }
    if (h.loss == "bce") {
      try {
        metric = roc_auc(yy, pp);
        points.push_back({h.name + ".auc", "valid", epoch, metric});
      } catch (const StepError&) {  // one class only in valid: no AUC this epoch
        metric = NAN;
      }
    } else if (h.loss == "mse" && !yy.empty()) {
      points.push_back({h.name + ".rmse", "valid", epoch, rmse(yy, pp)});
    } else if (h.loss == "cross_entropy" && !yy.empty()) {
      points.push_back({h.name + ".accuracy", "valid", epoch, double(correct) / double(yy.size())});
    }
    if (hi == 0) first = metric;
  }
  return first;
}

}  // namespace mlpipe
