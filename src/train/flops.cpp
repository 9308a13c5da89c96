// Counts the floating-point operations libtorch runs, the way torch.utils.flop_counter counts
// them: matrix products (mm, addmm, bmm, baddbmm) and convolutions (forward and backward, any
// dimension, transposed or not), 2 per multiply-add; element-wise ops, FFTs and reductions are
// not counted. A thread-local RecordFunction observer sees every aten call of the thread that
// opened the count, and of the autograd engine's threads working for it (libtorch carries the
// observer into them), while the count is open. Compiled by build.rs against the same
// libtorch; see src/train/flops.rs.
#include <ATen/record_function.h>

#include <atomic>
#include <cstring>

#include "../shim_error.h"

namespace {

std::atomic<uint64_t> g_flops{0};
at::CallbackHandle g_handle = 0;

bool is_tensor(const c10::ArrayRef<const c10::IValue>& v, size_t i) { return i < v.size() && v[i].isTensor(); }

uint64_t numel(const at::Tensor& t) { return static_cast<uint64_t>(t.numel()); }

// Multiply-adds of a convolution: every output element (input element, when transposed) takes
// one weight slice [C/groups, k...] of multiply-adds.
uint64_t conv_macs(const at::Tensor& input, const at::Tensor& weight, const at::Tensor& output, bool transposed) {
  uint64_t per = 1;
  for (int64_t d = 1; d < weight.dim(); ++d) per *= static_cast<uint64_t>(weight.size(d));
  return (transposed ? numel(input) : numel(output)) * per;
}

// [.., m, k] x [.., k, n]: the batch of a times m * k * n.
uint64_t matmul_macs(const at::Tensor& a, const at::Tensor& b) {
  if (a.dim() < 2 || b.dim() < 2) return 0;
  return numel(a) * static_cast<uint64_t>(b.size(-1));
}

// What the start callback measured, for the end callback (which may read only the outputs).
struct Pending : at::ObserverContext {
  // Multiply-adds already known, and per output element (a convolution's output size is
  // only known once it has run).
  uint64_t macs = 0;
  uint64_t per_output = 0;
};

bool named(const char* name, const char* want) { return std::strcmp(name, want) == 0; }

// Inputs are only readable here (RecordFunction keeps them for the start callback).
std::unique_ptr<at::ObserverContext> observe_start(const at::RecordFunction& fn) {
  const char* name = fn.name();
  bool mm = named(name, "aten::mm") || named(name, "aten::bmm");
  bool addmm = named(name, "aten::addmm") || named(name, "aten::baddbmm");
  bool conv = named(name, "aten::convolution");
  bool conv_bwd = named(name, "aten::convolution_backward");
  if (!(mm || addmm || conv || conv_bwd)) return nullptr;
  auto in = fn.inputs();
  auto ctx = std::make_unique<Pending>();
  if (mm) {
    if (is_tensor(in, 0) && is_tensor(in, 1)) ctx->macs = matmul_macs(in[0].toTensor(), in[1].toTensor());
  } else if (addmm) {
    if (is_tensor(in, 1) && is_tensor(in, 2)) ctx->macs = matmul_macs(in[1].toTensor(), in[2].toTensor());
  } else if (conv) {
    // (input, weight, bias, stride, padding, dilation, transposed, output_padding, groups)
    if (is_tensor(in, 0) && is_tensor(in, 1) && in.size() > 6 && in[6].isBool()) {
      const at::Tensor& weight = in[1].toTensor();
      uint64_t per = 1;
      for (int64_t d = 1; d < weight.dim(); ++d) per *= static_cast<uint64_t>(weight.size(d));
      if (in[6].toBool()) ctx->macs = numel(in[0].toTensor()) * per;  // transposed: per input element
      else ctx->per_output = per;
    }
  } else if (is_tensor(in, 0) && is_tensor(in, 1) && is_tensor(in, 2) && in.size() > 10 && in[7].isBool()) {
    // convolution_backward(grad_output, input, weight, bias_sizes, stride, padding, dilation,
    // transposed, output_padding, groups, output_mask): the input and the weight gradient
    // each cost one forward pass.
    uint64_t f = conv_macs(in[1].toTensor(), in[2].toTensor(), in[0].toTensor(), in[7].toBool());
    uint64_t grads = 2;
    if (in[10].isBoolList()) {
      auto m = in[10].toBoolList();
      grads = (m.size() > 0 && m.get(0) ? 1 : 0) + (m.size() > 1 && m.get(1) ? 1 : 0);
    }
    ctx->macs = f * grads;
  }
  return ctx;
}

void observe_end(const at::RecordFunction& fn, at::ObserverContext* raw) {
  auto* ctx = static_cast<Pending*>(raw);
  if (ctx == nullptr) return;
  uint64_t macs = ctx->macs;
  if (ctx->per_output) {
    auto out = fn.outputs();
    if (!out.empty() && out[0].isTensor()) macs += numel(out[0].toTensor()) * ctx->per_output;
  }
  if (macs) g_flops.fetch_add(2 * macs, std::memory_order_relaxed);
}

}  // namespace

extern "C" {

const char* ferry_flops_error() { return ferry_shim::last_error().c_str(); }

// Opens a count on this thread (one at a time per process: src/train/flops.rs serialises
// them); 1 when one is already open.
int ferry_flops_start() {
  return ferry_shim::guarded([&] {
    if (g_handle != 0) throw std::runtime_error("a FLOP count is already open");
    g_flops.store(0);
    auto cb = at::RecordFunctionCallback(observe_start, observe_end)
                  .needsInputs(true)
                  .needsOutputs(true)
                  .scopes({at::RecordScope::FUNCTION});
    g_handle = at::addThreadLocalCallback(cb);
  });
}

// Closes the count and returns the operations seen since ferry_flops_start (0 if none open).
uint64_t ferry_flops_stop() {
  if (g_handle != 0) {
    at::removeCallback(g_handle);
    g_handle = 0;
  }
  return g_flops.exchange(0);
}
}
