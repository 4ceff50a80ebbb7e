//! `server`: see `server --help` and API.md.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = server::cli::Cli::parse();
    server::app::run(cli)
}
