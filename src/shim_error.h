// Error handling shared by the C++ shims (src/nn/cuda_graph.cpp, src/bench/profiler.cpp):
// a C entry point runs its body through `guarded`, which turns a C++ exception into the
// return code 1 and keeps the message, per thread, for the shim's `*_error()` function.
#pragma once

#include <exception>
#include <string>

namespace ferry_shim {

inline std::string& last_error() {
  thread_local std::string message;
  return message;
}

template <typename F>
int guarded(F body) {
  try {
    body();
    return 0;
  } catch (const std::exception& e) {
    last_error() = e.what();
    return 1;
  }
}

}  // namespace ferry_shim
