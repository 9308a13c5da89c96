//! Links the `ferry` binaries against the libtorch of the PyTorch wheel in `.venv`
//! (or `$LIBTORCH`) so they run without `LD_LIBRARY_PATH`:
//! - an rpath to `<torch>/lib`, so the loader finds libtorch at run time;
//! - `libtorch_cuda.so` kept with `--no-as-needed` when it exists, because nothing
//!   references it by symbol and the linker would otherwise drop it (and CUDA with it).

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=LIBTORCH");
    println!("cargo:rerun-if-changed=build.rs");
    let Some(torch) = std::env::var_os("LIBTORCH").map(PathBuf::from) else {
        return;
    };
    let lib = torch.join("lib");
    let lib = lib.canonicalize().unwrap_or(lib);
    println!("cargo:rustc-link-arg=-Wl,-rpath,{}", lib.display());
    if lib.join("libtorch_cuda.so").exists() {
        println!("cargo:rustc-link-search=native={}", lib.display());
        println!("cargo:rustc-link-arg=-Wl,--no-as-needed,-ltorch_cuda,--as-needed");
    }
}
