// Internal error handling: code inside liboctet throws octet::Error; the API shims in
// native/src/api catch everything and turn it into an oct_status_t plus a thread-local message.
#pragma once

#include <cstdio>
#include <stdexcept>
#include <string>

#include "octet/octet.h"

namespace octet {

class Error : public std::runtime_error {
 public:
  Error(oct_status_t status, std::string message)
      : std::runtime_error(std::move(message)), status_(status) {}
  oct_status_t status() const noexcept { return status_; }

 private:
  oct_status_t status_;
};

template <typename... Args>
std::string format(const char* fmt, Args... args) {
  int n = std::snprintf(nullptr, 0, fmt, args...);
  if (n <= 0) return std::string(fmt);
  std::string s(static_cast<size_t>(n) + 1, '\0');
  std::snprintf(s.data(), s.size(), fmt, args...);
  s.resize(static_cast<size_t>(n));
  return s;
}

template <typename... Args>
[[noreturn]] void fail(oct_status_t status, const char* fmt, Args... args) {
  throw Error(status, format(fmt, args...));
}

// Raises OCT_STATUS_INVALID_ARGUMENT with a message unless `cond` holds.
template <typename... Args>
void require(bool cond, const char* fmt, Args... args) {
  if (!cond) fail(OCT_STATUS_INVALID_ARGUMENT, fmt, args...);
}

}  // namespace octet
