#pragma once
// A request `mlpipe serve` cannot score (bad JSON, wrong shape, a value of the wrong type):
// answered 400 with its message. Never ends the server.
#include "core/util/error.h"

namespace mlpipe {

class RequestError : public Error {
 public:
  explicit RequestError(const std::string& what) : Error(ExitCode::kBadConfig, what) {}
};

}  // namespace mlpipe
