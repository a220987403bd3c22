#pragma once
// A categorical column's dictionary (code -> text) on disk, for the step cache: a header line,
// then the count and each text's length as LEB128 varints, each followed by the text's bytes.
// One byte of overhead per short text and no escaping: a 1.5M-entry dictionary of ids reads
// without building a JSON document (JSON lists, the earlier form, are still read by the cache).
#include <string>
#include <string_view>
#include <vector>

namespace mlpipe {

std::string encode_dictionary(const std::vector<std::string>& texts);
// Throws StepError naming `label` (the file) when `bytes` is not a whole dictionary.
std::vector<std::string> decode_dictionary(std::string_view bytes, const std::string& label);

}  // namespace mlpipe
