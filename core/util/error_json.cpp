#include "core/util/error_json.h"

#include <cctype>

namespace mlpipe {

nlohmann::ordered_json error_object(const std::string& message, int exit_code, bool usage) {
  std::string kind = usage ? "usage" : exit_code == 2 ? "config" : exit_code == 1 ? "step" : exit_code == 3 ? "gate"
                   : exit_code == 130 ? "interrupted" : "internal";
  nlohmann::ordered_json e = {{"kind", kind}, {"message", message}, {"file", nullptr}, {"line", nullptr}, {"column", nullptr}};
  // "pipeline.yaml:12:5: step 'train': ..." (the first line of a multi-error message)
  std::string first = message.substr(0, message.find('\n'));
  size_t c1 = first.find(':');
  while (c1 != std::string::npos) {
    size_t c2 = first.find(':', c1 + 1);
    if (c2 == std::string::npos) break;
    size_t c3 = first.find(':', c2 + 1);
    std::string line = first.substr(c1 + 1, c2 - c1 - 1);
    std::string col = c3 == std::string::npos ? "" : first.substr(c2 + 1, c3 - c2 - 1);
    auto digits = [](const std::string& s) {
      if (s.empty()) return false;
      for (char ch : s)
        if (!std::isdigit(static_cast<unsigned char>(ch))) return false;
      return true;
    };
    if (digits(line) && digits(col)) {
      e["file"] = first.substr(0, c1);
      e["line"] = std::stoll(line);
      e["column"] = std::stoll(col);
      break;
    }
    c1 = c2;
  }
  return e;
}

}  // namespace mlpipe
