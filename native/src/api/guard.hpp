// The boundary between C callers and liboctet's C++: every entry point runs its body through
// guarded(), which clears the thread's last error, catches every exception and turns it into a
// status code plus a message.
#pragma once

#include <exception>
#include <new>
#include <string>

#include "common/error.hpp"

namespace octet::api {

void set_last_error(const std::string& message);
void clear_last_error();

template <typename F>
oct_status_t guarded(const char* function, F&& body) noexcept {
  try {
    clear_last_error();
    body();
    return OCT_STATUS_SUCCESS;
  } catch (const Error& e) {
    set_last_error(std::string(function) + ": " + e.what());
    return e.status();
  } catch (const std::bad_alloc&) {
    set_last_error(std::string(function) + ": host memory allocation failed");
    return OCT_STATUS_OUT_OF_MEMORY;
  } catch (const std::exception& e) {
    set_last_error(std::string(function) + ": internal error: " + e.what());
    return OCT_STATUS_INTERNAL;
  } catch (...) {
    set_last_error(std::string(function) + ": internal error: unknown exception");
    return OCT_STATUS_INTERNAL;
  }
}

}  // namespace octet::api
