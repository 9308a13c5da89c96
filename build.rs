//! Links the `ferry` binaries against the libtorch of the PyTorch wheel in `.venv`
//! (or `$LIBTORCH`) so they run without `LD_LIBRARY_PATH`:
//! - an rpath to `<torch>/lib`, so the loader finds libtorch at run time;
//! - `libtorch_cuda.so` kept with `--no-as-needed` when it exists, because nothing
//!   references it by symbol and the linker would otherwise drop it (and CUDA with it);
//! - `src/train/autocast.cpp`, the bfloat16 autocast shim (see `src/train/autocast.rs`),
//!   compiled against the same libtorch headers.

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=LIBTORCH");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=src/train/autocast.cpp");
    let Some(torch) = std::env::var_os("LIBTORCH").map(PathBuf::from) else {
        panic!("LIBTORCH is not set: run `make setup` (it installs torch 2.11.0 into .venv, which .cargo/config.toml points LIBTORCH at)");
    };
    cc::Build::new()
        .cpp(true)
        .file("src/train/autocast.cpp")
        .include(torch.join("include"))
        .include(torch.join("include/torch/csrc/api/include"))
        .flag("-std=c++17")
        .flag_if_supported("-w")
        .compile("ferry_autocast");
    let lib = torch.join("lib");
    let lib = lib.canonicalize().unwrap_or(lib);
    println!("cargo:rustc-link-arg=-Wl,-rpath,{}", lib.display());
    if lib.join("libtorch_cuda.so").exists() {
        println!("cargo:rustc-link-search=native={}", lib.display());
        println!("cargo:rustc-link-arg=-Wl,--no-as-needed,-ltorch_cuda,--as-needed");
    }
}
