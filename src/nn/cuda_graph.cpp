// CUDA graphs through libtorch's at::cuda::CUDAGraph, which tch 0.24 does not expose.
// Compiled by build.rs; FERRY_CUDA_GRAPHS is defined only when the libtorch it builds
// against has CUDA and the CUDA runtime headers are found. Without it every call fails
// with a message, and callers fall back to running their ops eagerly.
//
// Every function returns 0 on success; on failure it returns 1 and the message is kept
// for ferry_cuda_graph_error (per thread).
#include "../shim_error.h"

#ifdef FERRY_CUDA_GRAPHS
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAFunctions.h>
#include <c10/cuda/CUDAStream.h>
#endif

extern "C" {

const char* ferry_cuda_graph_error() { return ferry_shim::last_error().c_str(); }

#ifdef FERRY_CUDA_GRAPHS

// A graph, and the side stream its capture runs on (capture is not allowed on the
// default stream), with the stream that was current before.
struct FerryGraph {
  at::cuda::CUDAGraph graph;
  c10::cuda::CUDAStream previous;
  c10::cuda::CUDAStream side;
  explicit FerryGraph(c10::DeviceIndex device)
      : previous(c10::cuda::getCurrentCUDAStream(device)), side(c10::cuda::getStreamFromPool(false, device)) {}
};

bool ferry_cuda_graph_compiled() { return true; }

int ferry_cuda_graph_new(int device, FerryGraph** out) {
  return ferry_shim::guarded([&] { *out = new FerryGraph(static_cast<c10::DeviceIndex>(device)); });
}

// Makes the side stream (on = true) or the previous one current. The device is
// synchronised first, so work queued on one stream is done before the other starts.
int ferry_cuda_graph_side_stream(FerryGraph* g, bool on) {
  return ferry_shim::guarded([&] {
    c10::cuda::device_synchronize();
    c10::cuda::setCurrentCUDAStream(on ? g->side : g->previous);
  });
}

int ferry_cuda_graph_capture_begin(FerryGraph* g) { return ferry_shim::guarded([&] { g->graph.capture_begin(); }); }

int ferry_cuda_graph_capture_end(FerryGraph* g) { return ferry_shim::guarded([&] { g->graph.capture_end(); }); }

// Launches the captured work on the current stream.
int ferry_cuda_graph_replay(FerryGraph* g) { return ferry_shim::guarded([&] { g->graph.replay(); }); }

void ferry_cuda_graph_free(FerryGraph* g) { delete g; }

#else

struct FerryGraph;

bool ferry_cuda_graph_compiled() { return false; }

static int not_compiled() {
  ferry_shim::last_error() =
      "this ferry was built without CUDA graphs (its libtorch had no CUDA, or build.rs found no "
      "cuda_runtime_api.h)";
  return 1;
}

int ferry_cuda_graph_new(int, FerryGraph** out) {
  *out = nullptr;
  return not_compiled();
}
int ferry_cuda_graph_side_stream(FerryGraph*, bool) { return not_compiled(); }
int ferry_cuda_graph_capture_begin(FerryGraph*) { return not_compiled(); }
int ferry_cuda_graph_capture_end(FerryGraph*) { return not_compiled(); }
int ferry_cuda_graph_replay(FerryGraph*) { return not_compiled(); }
void ferry_cuda_graph_free(FerryGraph*) {}

#endif
}
