#pragma once
// `trainer: sequence`: LSTM, GRU and Transformer encoders over per-entity event windows, with
// several heads. Its schema and checks live here, without LibTorch, so `mlpipe validate` and
// every other command start fast; LibTorch is loaded (libmlpipe_torch.so, dlopen) only when a
// model is trained or loaded.
#include <memory>

#include "core/model/model.h"

namespace mlpipe {

std::unique_ptr<Trainer> make_sequence_trainer();

// The name of the plug-in's factory: extern "C" mlpipe::Trainer* mlpipe_make_torch_sequence_trainer().
inline constexpr const char* kTorchPluginFactory = "mlpipe_make_torch_sequence_trainer";
inline constexpr const char* kTorchPluginFile = "libmlpipe_torch.so";

}  // namespace mlpipe
