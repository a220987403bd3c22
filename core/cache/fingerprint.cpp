#include "core/cache/fingerprint.h"

#include <algorithm>

#include "core/util/hash.h"

using nlohmann::json;

namespace mlpipe {
namespace {

void flatten(const json& v, const std::string& prefix, std::map<std::string, std::string>& out) {
  if (v.is_object() && !v.empty()) {
    for (const auto& [k, c] : v.items()) flatten(c, prefix.empty() ? k : prefix + "." + k, out);
  } else {
    out[prefix] = v.dump();
  }
}

std::string shown(const std::string& dumped) {
  return dumped.size() > 40 ? dumped.substr(0, 37) + "..." : dumped;
}

// Changes between two flat maps: "<prefix>key changed a -> b", "... added", "... removed".
void diff_maps(const std::map<std::string, std::string>& a, const std::map<std::string, std::string>& b,
               const std::string& what, std::vector<std::string>& out) {
  for (const auto& [k, v] : b) {
    auto it = a.find(k);
    if (it == a.end()) out.push_back(what + k + " added (" + shown(v) + ")");
    else if (it->second != v) out.push_back(what + k + " changed " + shown(it->second) + " -> " + shown(v));
  }
  for (const auto& [k, v] : a)
    if (!b.count(k)) out.push_back(what + k + " removed (was " + shown(v) + ")");
}

std::map<std::string, std::string> strings_of(const json& j) {
  std::map<std::string, std::string> m;
  if (j.is_object())
    for (const auto& [k, v] : j.items()) m[k] = v.is_string() ? v.get<std::string>() : v.dump();
  return m;
}

}  // namespace

json FingerprintParts::to_json() const {
  return {{"type", type},         {"config", config}, {"seed", seed},   {"upstream", upstream},
          {"files", files},       {"versions", versions}, {"runtime", runtime}};
}

std::string FingerprintParts::hash() const { return hash_bytes(to_json().dump()); }

std::vector<std::string> explain_change(const json& prev, const json& cur) {
  std::vector<std::string> out;
  if (prev.value("type", "") != cur.value("type", ""))
    out.push_back("type changed " + prev.value("type", "?") + " -> " + cur.value("type", "?"));
  std::map<std::string, std::string> a, b;
  flatten(prev.value("config", json::object()), "", a);
  flatten(cur.value("config", json::object()), "", b);
  a.erase("type");
  b.erase("type");
  diff_maps(a, b, "", out);
  if (prev.value("seed", 0LL) != cur.value("seed", 0LL))
    out.push_back("seed changed " + prev["seed"].dump() + " -> " + cur["seed"].dump());
  auto fa = strings_of(prev.value("files", json::object())), fb = strings_of(cur.value("files", json::object()));
  for (const auto& [path, h] : fb) {
    auto it = fa.find(path);
    if (it == fa.end()) out.push_back("input " + path + " is new");
    else if (it->second != h) out.push_back("input " + path + " changed");
  }
  for (const auto& [path, h] : fa)
    if (!fb.count(path)) out.push_back("input " + path + " is no longer read");
  auto ua = strings_of(prev.value("upstream", json::object())), ub = strings_of(cur.value("upstream", json::object()));
  for (const auto& [name, fp] : ub) {
    auto it = ua.find(name);
    if (it == ua.end()) out.push_back("now needs '" + name + "'");
    else if (it->second != fp) out.push_back("upstream '" + name + "' changed");
  }
  for (const auto& [name, fp] : ua)
    if (!ub.count(name)) out.push_back("no longer needs '" + name + "'");
  diff_maps(strings_of(prev.value("versions", json::object())), strings_of(cur.value("versions", json::object())),
            "version of ", out);
  std::map<std::string, std::string> ra, rb;
  flatten(prev.value("runtime", json::object()), "", ra);
  flatten(cur.value("runtime", json::object()), "", rb);
  diff_maps(ra, rb, "", out);
  // A value can be both configured and part of the runtime (nthread): say it once.
  std::vector<std::string> unique;
  for (auto& r : out)
    if (std::find(unique.begin(), unique.end(), r) == unique.end()) unique.push_back(r);
  return unique;
}

}  // namespace mlpipe
