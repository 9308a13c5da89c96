// libtorch's Kineto profiler (what torch.profiler drives in Python), which tch 0.24 does not
// expose. Compiled by build.rs against the same libtorch. It records every libtorch op on the
// CPU and, when asked, every CUDA kernel; on stop it can write a Chrome trace and hands back
// per-name totals.
//
// Functions return 0 on success; on failure 1, with the message kept for
// ferry_profiler_error (per thread).
#include <torch/csrc/autograd/profiler_kineto.h>

#include <map>
#include <set>
#include <string>
#include <utility>

#include "../shim_error.h"

namespace {
namespace prof = torch::autograd::profiler;
namespace impl = torch::profiler::impl;

impl::ProfilerConfig config() { return impl::ProfilerConfig(impl::ProfilerState::KINETO); }

std::set<impl::ActivityType> activities(bool cuda) {
  std::set<impl::ActivityType> a{impl::ActivityType::CPU};
  if (cuda) a.insert(impl::ActivityType::CUDA);
  return a;
}

}  // namespace

extern "C" {

typedef void (*ferry_profiler_row)(void* ctx, const char* name, bool on_device, uint64_t count, uint64_t total_ns);

const char* ferry_profiler_error() { return ferry_shim::last_error().c_str(); }

int ferry_profiler_start(bool cuda) {
  return ferry_shim::guarded([&] {
    prof::prepareProfiler(config(), activities(cuda));
    prof::enableProfiler(config(), activities(cuda));
  });
}

// Stops recording; writes the Chrome trace to `trace` unless it is null; calls `row` once
// per (name, device) with the number of events and their summed duration.
int ferry_profiler_stop(const char* trace, ferry_profiler_row row, void* ctx) {
  return ferry_shim::guarded([&] {
    auto result = prof::disableProfiler();
    if (trace != nullptr) result->save(trace);
    std::map<std::pair<std::string, bool>, std::pair<uint64_t, uint64_t>> totals;
    for (const auto& e : result->events()) {
      auto& t = totals[{e.name(), e.deviceType() != c10::DeviceType::CPU}];
      t.first += 1;
      t.second += e.durationNs();
    }
    for (const auto& [key, value] : totals) row(ctx, key.first.c_str(), key.second, value.first, value.second);
  });
}
}
