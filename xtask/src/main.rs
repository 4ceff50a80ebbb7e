//! Build and test orchestration, so that README's two commands are all a new
//! machine needs: `cargo xtask run` and `cargo xtask test`.
//!
//! Every install step is idempotent and lives here, not in a wiki.

use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => test(),
        Some("run") => run(&args[1..]),
        Some("setup") => setup(),
        Some("bench") => bench(),
        Some("fuzz") => fuzz(args.get(1).map(String::as_str).unwrap_or("60")),
        _ => {
            eprintln!(
                "usage: cargo xtask <command>\n\
                 \n  run     build everything and start the server (demo data on first run)\
                 \n  test    every check CI runs: fmt, clippy, tests, wasm build, dependency rules\
                 \n  setup   install what the build needs (idempotent; run by the others)\
                 \n  bench   run the benchmarks and print their figures\
                 \n  fuzz S  fuzz document loading for S seconds (needs cargo-fuzz)"
            );
            Err("unknown command".into())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

type Result<T = ()> = std::result::Result<T, String>;

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

fn step(name: &str, cmd: &mut Command) -> Result {
    eprintln!("==> {name}");
    let status = cmd.status().map_err(|e| format!("{name}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{name} failed ({status})"))
    }
}

fn output(cmd: &mut Command) -> Result<(bool, String)> {
    let out = cmd.output().map_err(|e| e.to_string())?;
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    Ok((out.status.success(), text))
}

/// Installs the wasm32 target. Later steps (wasm-bindgen-cli, npm, Chromium)
/// join here as the web app arrives.
fn setup() -> Result {
    let (_, installed) = output(Command::new("rustup").args(["target", "list", "--installed"]))?;
    if !installed
        .lines()
        .any(|l| l.trim() == "wasm32-unknown-unknown")
    {
        step(
            "rustup target add wasm32-unknown-unknown",
            Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]),
        )?;
    }
    Ok(())
}

fn test() -> Result {
    setup()?;
    step(
        "cargo fmt --check",
        cargo().args(["fmt", "--all", "--", "--check"]),
    )?;
    step(
        "cargo clippy -D warnings",
        cargo().args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    step(
        "client-core builds for wasm32",
        cargo().args([
            "build",
            "-p",
            "client-core",
            "--target",
            "wasm32-unknown-unknown",
        ]),
    )?;
    core_has_no_runtime()?;
    if std::env::var_os("FIELDLOG_TEST_POSTGRES").is_none() {
        eprintln!(
            "\n*** FIELDLOG_TEST_POSTGRES is not set: the PostgreSQL variants of the \
             tests will be SKIPPED (CI sets it). ***\n"
        );
    }
    let (passed, failed) = cargo_test()?;
    // One closing line for the whole run: cargo's own last line is whichever
    // crate's doc-tests ran last, often "0 passed".
    println!("tests: {passed} passed, {failed} failed");
    if failed > 0 {
        return Err(format!("{failed} test(s) failed"));
    }
    Ok(())
}

/// Runs every test, echoing cargo's output, and totals its result lines.
fn cargo_test() -> Result<(u64, u64)> {
    use std::io::{BufRead, BufReader};
    eprintln!("==> cargo test");
    let mut child = cargo()
        .args(["test", "--workspace"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    let (mut passed, mut failed) = (0, 0);
    if let Some(out) = child.stdout.take() {
        for line in BufReader::new(out)
            .lines()
            .map_while(std::result::Result::ok)
        {
            println!("{line}");
            if let Some(rest) = line.strip_prefix("test result: ") {
                let count = |word: &str| {
                    rest.split(';')
                        .find_map(|part| {
                            part.trim()
                                .strip_suffix(word)?
                                .trim()
                                .rsplit(' ')
                                .next()?
                                .parse::<u64>()
                                .ok()
                        })
                        .unwrap_or(0)
                };
                passed += count(" passed");
                failed += count(" failed");
            }
        }
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    if !status.success() && failed == 0 {
        return Err(format!("cargo test failed ({status})"));
    }
    Ok((passed, failed))
}

/// The core must stay free of async runtimes and web bindings: it runs the
/// same on the phone and the server only because it does no I/O.
fn core_has_no_runtime() -> Result {
    eprintln!("==> client-core depends on no runtime or binding");
    for banned in [
        "tokio",
        "wasm-bindgen",
        "web-sys",
        "sea-orm",
        "axum",
        "reqwest",
    ] {
        let (_, text) =
            output(cargo().args(["tree", "-p", "client-core", "-e", "normal", "-i", banned]))?;
        let found = text.lines().any(|l| l.starts_with(banned));
        if found {
            return Err(format!("client-core depends on {banned}:\n{text}"));
        }
    }
    Ok(())
}

fn run(args: &[String]) -> Result {
    setup()?;
    step(
        "build",
        cargo().args(["build", "--release", "-p", "server"]),
    )?;
    let mut cmd = Command::new("target/release/server");
    if args.is_empty() {
        // First run: an empty database gets the demo district and its logins.
        cmd.args(["serve", "--demo-if-empty"]);
    } else {
        cmd.args(args);
    }
    step("server", &mut cmd)
}

fn bench() -> Result {
    step(
        "client-core benchmarks (native)",
        cargo().args(["bench", "-p", "client-core", "--bench", "record"]),
    )?;
    let out = wasm_build("nodejs", "target/wasm-bench")?;
    step(
        "client-core benchmarks (wasm, in Node)",
        Command::new("node").args(["xtask/bench-wasm.cjs", &out]),
    )
}

/// The wasm-bindgen version the lock file pins, so the CLI matches the library.
fn locked_wasm_bindgen() -> Result<String> {
    let lock = std::fs::read_to_string("Cargo.lock").map_err(|e| format!("Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(l) = lines.next() {
        if l == "name = \"wasm-bindgen\""
            && let Some(v) = lines.next().and_then(|v| v.strip_prefix("version = \""))
        {
            return Ok(v.trim_end_matches('"').to_owned());
        }
    }
    Err("wasm-bindgen is not in Cargo.lock".into())
}

/// Installs wasm-bindgen-cli at the locked version unless it is already there.
fn ensure_wasm_bindgen() -> Result {
    let want = locked_wasm_bindgen()?;
    let have = output(Command::new("wasm-bindgen").arg("--version"))
        .map(|(_, t)| t)
        .unwrap_or_default();
    if !have.contains(&want) {
        // Not --locked: its lock file names a crate version the registry
        // mirror here does not serve.
        step(
            &format!("cargo install wasm-bindgen-cli {want}"),
            cargo().args(["install", "wasm-bindgen-cli", "--version", &want]),
        )?;
    }
    Ok(())
}

/// Builds the wasm facade and runs wasm-bindgen for `target` into `out`.
fn wasm_build(target: &str, out: &str) -> Result<String> {
    setup()?;
    ensure_wasm_bindgen()?;
    step(
        "build wasm-pwa (wasm32, size-optimised)",
        cargo().args([
            "build",
            "-p",
            "wasm-pwa",
            "--target",
            "wasm32-unknown-unknown",
            "--profile",
            "wasm-release",
        ]),
    )?;
    step(
        "wasm-bindgen",
        Command::new("wasm-bindgen").args([
            "--target",
            target,
            "--out-dir",
            out,
            "--remove-name-section",
            "--remove-producers-section",
            "target/wasm32-unknown-unknown/wasm-release/wasm_pwa.wasm",
        ]),
    )?;
    Ok(out.to_owned())
}

fn fuzz(seconds: &str) -> Result {
    step(
        "cargo fuzz (document loading)",
        cargo()
            .env("RUSTC_BOOTSTRAP", "1")
            .current_dir("fuzz")
            .args([
                "fuzz",
                "run",
                "load_document",
                "--",
                &format!("-max_total_time={seconds}"),
            ]),
    )
}
