//! The `jixiao` command; everything lives in the library's `cli` module.

fn main() -> std::process::ExitCode {
    jixiao::cli::main()
}
