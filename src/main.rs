//! The `ferry` binary: parses the command line and hands it to the library.

use clap::Parser;

fn main() {
    reexec_with_passive_openmp();
    let cli = ferry::cli::Cli::parse();
    if let Err(e) = ferry::cli::run(cli) {
        eprintln!("ferry: error: {e}");
        std::process::exit(1);
    }
}

/// libtorch's OpenMP runtime reads `OMP_WAIT_POLICY` when it loads, before `main`. Its
/// default spin-waiting made 2 threads 7x slower than 1 on a 2-core machine, so unless
/// the user chose a policy, re-run this program once with `PASSIVE`.
fn reexec_with_passive_openmp() {
    use std::os::unix::process::CommandExt;
    if std::env::var_os("OMP_WAIT_POLICY").is_some() {
        return;
    }
    let Ok(exe) = std::env::current_exe() else { return };
    let err = std::process::Command::new(exe).args(std::env::args_os().skip(1)).env("OMP_WAIT_POLICY", "PASSIVE").exec();
    // exec only returns on failure; carry on with the default policy.
    eprintln!("ferry: note: could not re-exec with OMP_WAIT_POLICY=PASSIVE ({err})");
}
