#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "core/metrics/drift.h"

using namespace mlpipe;

namespace {

// Two-sample KS by brute force: max over every value of |F_a - F_b|.
double brute_ks(std::vector<double> a, std::vector<double> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  std::vector<double> all = a;
  all.insert(all.end(), b.begin(), b.end());
  double d = 0;
  for (double x : all) {
    double fa = double(std::upper_bound(a.begin(), a.end(), x) - a.begin()) / double(a.size());
    double fb = double(std::upper_bound(b.begin(), b.end(), x) - b.begin()) / double(b.size());
    d = std::max(d, std::fabs(fa - fb));
  }
  return d;
}

std::vector<double> normal(size_t n, double mean, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> dist(mean, 1.0);
  std::vector<double> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

}  // namespace

TEST_CASE("PSI: zero for the same distribution, large for a shifted one") {
  auto ref = normal(5000, 0, 1);
  auto p = profile_numeric(ref);
  CHECK(p["edges"].size() == 9);
  CHECK(compare_numeric(p, ref).psi == doctest::Approx(0).epsilon(1e-12));
  CHECK(compare_numeric(p, normal(5000, 0, 2)).psi < 0.02);
  CHECK(compare_numeric(p, normal(5000, 1, 3)).psi > 0.5);
  CHECK(psi({0.5, 0.5}, {0.5, 0.5}) == 0);
  // (0.6-0.4)ln(0.6/0.4) + (0.4-0.6)ln(0.4/0.6)
  CHECK(psi({0.4, 0.6}, {0.6, 0.4}) == doctest::Approx(2 * 0.2 * std::log(1.5)));
}

TEST_CASE("KS against the profile equals the two-sample KS (exact up to 1,000 distinct values)") {
  std::mt19937_64 rng(7);
  std::vector<double> ref(3000), now(2000);
  for (auto& x : ref) x = double(rng() % 400);  // 400 distinct values, many ties
  for (auto& x : now) x = double(rng() % 450);
  CHECK(*compare_numeric(profile_numeric(ref), now).ks == doctest::Approx(brute_ks(ref, now)).epsilon(1e-12));
  // Continuous: the profile keeps 1,000 CDF points, so KS is within 0.001.
  auto a = normal(20000, 0, 4), b = normal(3000, 0.1, 5);
  CHECK(std::fabs(*compare_numeric(profile_numeric(a), b).ks - brute_ks(a, b)) <= 0.0011);
  CHECK(profile_numeric(a)["cdf_x"].size() <= 1001);
}

TEST_CASE("missing values and constant columns") {
  std::vector<double> ref = {1, 1, 1, NAN, 1};
  auto p = profile_numeric(ref);
  CHECK(p["shares"][0].get<double>() == doctest::Approx(0.2));
  CHECK(compare_numeric(p, {1, 1, 1, NAN, 1}).psi == doctest::Approx(0));
  // Every value missing now: the missing bin carries the drift.
  CHECK(compare_numeric(p, {NAN, NAN, NAN}).psi > 1);
  Drift d = compare_numeric(profile_numeric({}), {1, 2});
  CHECK(d.psi > 0);
}

TEST_CASE("categorical PSI counts new categories and missing values") {
  std::vector<std::string> ref = {"a", "a", "b", "b", "", "c"};
  auto p = profile_categorical(ref);
  CHECK(compare_categorical(p, ref).psi == doctest::Approx(0));
  CHECK_FALSE(compare_categorical(p, ref).ks);
  double unseen = compare_categorical(p, {"a", "b", "z", "z", "z", "c"}).psi;
  CHECK(unseen > 0.5);
  CHECK(compare_categorical(p, {"a", "a", "b", "b", "c", "c"}).psi > 0);
}
