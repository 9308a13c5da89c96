//! Links the `ferry` binaries against the libtorch of the PyTorch wheel in `.venv`
//! (or `$LIBTORCH`) so they run without `LD_LIBRARY_PATH`:
//! - an rpath to `<torch>/lib`, so the loader finds libtorch at run time;
//! - `libtorch_cuda.so` kept with `--no-as-needed` when it exists, because nothing
//!   references it by symbol and the linker would otherwise drop it (and CUDA with it);
//! - `src/train/autocast.cpp`, the bfloat16 autocast shim (see `src/train/autocast.rs`),
//!   and `src/bench/profiler.cpp`, the Kineto profiler behind `--profile` (see
//!   `src/bench/profiler.rs`), and `src/train/flops.cpp`, the FLOP counter of a training step
//!   (see `src/train/flops.rs`), compiled against the same libtorch headers;
//! - `src/nn/cuda_graph.cpp`, the CUDA graph shim (see `src/nn/cuda_graph.rs`), with graphs
//!   compiled in when libtorch has CUDA and the CUDA runtime headers are found (the wheel's
//!   `nvidia/*/include`, or `$CUDA_HOME/include`); without them it builds a version that
//!   reports graphs as unavailable.

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=LIBTORCH");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=src/train/autocast.cpp");
    println!("cargo:rerun-if-changed=src/nn/cuda_graph.cpp");
    println!("cargo:rerun-if-changed=src/bench/profiler.cpp");
    println!("cargo:rerun-if-changed=src/train/flops.cpp");
    println!("cargo:rerun-if-changed=src/shim_error.h");
    println!("cargo:rerun-if-env-changed=CUDA_HOME");
    let Some(torch) = std::env::var_os("LIBTORCH").map(PathBuf::from) else {
        panic!("LIBTORCH is not set: run `make setup` (it installs torch 2.11.0 into .venv, which .cargo/config.toml points LIBTORCH at)");
    };
    shim(&torch, "src/train/autocast.cpp").compile("ferry_autocast");
    shim(&torch, "src/bench/profiler.cpp").compile("ferry_profiler");
    // NDEBUG as libtorch itself was built: RecordFunction's debug-only asserts read state
    // that only a debug libtorch keeps.
    shim(&torch, "src/train/flops.cpp").define("NDEBUG", None).compile("ferry_flops");
    let lib = torch.join("lib");
    let lib = lib.canonicalize().unwrap_or(lib);
    let cuda = lib.join("libtorch_cuda.so").exists() && lib.join("libc10_cuda.so").exists();
    let cuda_headers = if cuda { cuda_runtime_headers(&torch) } else { None };
    let mut graph = shim(&torch, "src/nn/cuda_graph.cpp");
    if let Some(includes) = &cuda_headers {
        graph.includes(includes).define("FERRY_CUDA_GRAPHS", None);
    } else if cuda {
        println!("cargo:warning=no CUDA runtime headers found: building without CUDA graphs (set CUDA_HOME to a CUDA toolkit)");
    }
    graph.compile("ferry_cuda_graph");
    println!("cargo:rustc-link-arg=-Wl,-rpath,{}", lib.display());
    if cuda {
        println!("cargo:rustc-link-search=native={}", lib.display());
        println!("cargo:rustc-link-arg=-Wl,--no-as-needed,-ltorch_cuda,--as-needed");
    }
    if cuda_headers.is_some() {
        println!("cargo:rustc-link-lib=dylib=c10_cuda");
    }
}

/// A C++17 build of one shim against libtorch's headers.
fn shim(torch: &std::path::Path, file: &str) -> cc::Build {
    let mut build = cc::Build::new();
    build.cpp(true).file(file).include(torch.join("include")).include(torch.join("include/torch/csrc/api/include")).flag("-std=c++17").flag_if_supported("-w");
    build
}

/// Include folders for the CUDA runtime headers: one with `cuda_runtime_api.h` (CUDA 13
/// wheels put it in `nvidia/cu13/include`, CUDA 12 ones in `nvidia/cuda_runtime/include`, a
/// toolkit in `$CUDA_HOME/include`) and, where that one lacks them, one with the compiler's
/// `crt/` headers that `cuda_runtime.h` includes (the runtime wheel leaves them to the nvcc
/// wheel; triton, which torch installs, bundles a copy). Only types and declarations are
/// used, so a copy from another CUDA release does.
fn cuda_runtime_headers(torch: &std::path::Path) -> Option<Vec<PathBuf>> {
    let site = torch.parent()?;
    let mut candidates: Vec<PathBuf> = std::fs::read_dir(site.join("nvidia")).into_iter().flatten().flatten().map(|e| e.path().join("include")).collect();
    candidates.sort();
    if let Some(home) = std::env::var_os("CUDA_HOME") {
        candidates.push(PathBuf::from(home).join("include"));
    }
    candidates.push(site.join("triton/backends/nvidia/include"));
    let runtime = candidates.iter().find(|d| d.join("cuda_runtime_api.h").exists())?.clone();
    if runtime.join("crt/host_config.h").exists() {
        return Some(vec![runtime]);
    }
    let crt = candidates.into_iter().find(|d| d.join("crt/host_config.h").exists())?;
    Some(vec![runtime, crt])
}
