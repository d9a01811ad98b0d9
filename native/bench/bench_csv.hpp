// Results of the native benchmark: one row per measurement, merged into docs/bench/<card>.csv
// (a row replaces the file's row with the same op, variant, m, n, k and card), and the table
// printed at the end of a run.
#pragma once

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace bench {

inline const char* kCsvHeader =
    "op,variant,m,n,k,median_us,tops,gbps,baseline,baseline_us,speedup,card,cuda,date";

struct Row {
  std::string op, variant;
  int64_t m = 0, n = 0, k = 0;
  double median_us = 0;
  double tops = NAN;     // 2*m*n*k / time, 1e12 operations per second (GEMMs)
  double gbps = NAN;     // bytes that must move (inputs read once, outputs written once) / time
  std::string baseline;  // "op/variant" of the row this one is compared with, or empty
  double baseline_us = NAN;
  double speedup = NAN;  // baseline_us / median_us
  std::string card, cuda, date;

  std::string key() const {
    return op + "," + variant + "," + std::to_string(m) + "," + std::to_string(n) + "," +
           std::to_string(k) + "," + card;
  }
};

inline std::string fmt(double v, int digits) {
  if (std::isnan(v)) return "";
  char b[64];
  std::snprintf(b, sizeof b, "%.*f", digits, v);
  return b;
}

inline std::string to_csv(const Row& r) {
  std::ostringstream o;
  o << r.op << ',' << r.variant << ',' << r.m << ',' << r.n << ',' << r.k << ','
    << fmt(r.median_us, 3) << ',' << fmt(r.tops, 2) << ',' << fmt(r.gbps, 1) << ','
    << r.baseline << ',' << fmt(r.baseline_us, 3) << ',' << fmt(r.speedup, 3) << ',' << r.card
    << ',' << r.cuda << ',' << r.date;
  return o.str();
}

// The key (op,variant,m,n,k,card) of a CSV line, or "" for a line that is not a data row.
inline std::string csv_key(const std::string& line) {
  std::vector<std::string> f;
  std::stringstream ss(line);
  std::string x;
  while (std::getline(ss, x, ',')) f.push_back(x);
  if (f.size() < 12 || f[0] == "op") return "";
  return f[0] + "," + f[1] + "," + f[2] + "," + f[3] + "," + f[4] + "," + f[11];
}

// Merges `rows` into the CSV at `path` (created with its header if absent): rows of the file
// with the same key are replaced, the others kept in their order, the new ones appended.
inline bool merge_csv(const std::string& path, const std::vector<Row>& rows) {
  std::vector<std::string> kept;
  {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
      const std::string k = csv_key(line);
      if (k.empty()) continue;
      bool replaced = false;
      for (const Row& r : rows) replaced = replaced || r.key() == k;
      if (!replaced) kept.push_back(line);
    }
  }
  std::ofstream out(path, std::ios::trunc);
  if (!out) return false;
  out << kCsvHeader << '\n';
  for (const std::string& l : kept) out << l << '\n';
  for (const Row& r : rows) out << to_csv(r) << '\n';
  return static_cast<bool>(out);
}

inline void print_table(const std::vector<Row>& rows) {
  std::printf("\n%-16s %-20s %6s %6s %6s %11s %8s %8s %11s %8s\n", "op", "variant", "m", "n", "k",
              "median_us", "TOP/s", "GB/s", "base_us", "speedup");
  for (const Row& r : rows)
    std::printf("%-16s %-20s %6lld %6lld %6lld %11.2f %8s %8s %11s %8s\n", r.op.c_str(),
                r.variant.c_str(), static_cast<long long>(r.m), static_cast<long long>(r.n),
                static_cast<long long>(r.k), r.median_us, fmt(r.tops, 1).c_str(),
                fmt(r.gbps, 0).c_str(), fmt(r.baseline_us, 2).c_str(), fmt(r.speedup, 2).c_str());
}

}  // namespace bench
