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
        Some("setup") => setup()
            .and_then(|()| web_setup())
            .and_then(|()| browser_setup()),
        Some("web") => web_build(false),
        Some("budgets") => budgets(),
        Some("bench") => bench(),
        Some("sidebyside") => sidebyside(),
        Some("faults") => faults(),
        Some("soak") => soak(),
        Some("fuzz") => fuzz(args.get(1).map(String::as_str).unwrap_or("60")),
        _ => {
            eprintln!(
                "usage: cargo xtask <command>\n\
                 \n  run     build everything and start the server (demo data on first run)\
                 \n  test    every check CI runs: fmt, clippy, tests, wasm build, dependency rules\
                 \n  setup   install what the build needs (idempotent; run by the others)\
                 \n  web     build the web app into wasm-pwa/web/dist\
                 \n  budgets measure the web app's size and speed budgets in Chromium\
                 \n  bench   run the benchmarks and print their figures\
                 \n  sidebyside  Fieldlog's sync against automerge-repo, same workload (BENCHMARKS.md)\
                 \n  faults  the fault tests at full size (50 kills of 1,000 concurrent syncs)\
                 \n  soak    50 sync requests/s for 30 minutes: errors, p99, RSS over time\
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

/// Installs what every build needs: the wasm32 target. The web app's tools
/// (wasm-bindgen-cli, npm packages, Chromium) are installed by `web_setup`
/// and `browser_setup`, each idempotent.
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

const WEB: &str = "wasm-pwa/web";
/// node's oidc-provider, the identity provider of the sign-in tests.
const IDP: &str = "tests/idp";

/// npm packages at the versions package-lock.json pins, unless already there.
fn web_setup() -> Result {
    ensure_wasm_bindgen()?;
    npm_install(WEB)
}

/// `npm ci` in `dir` unless node_modules is newer than its lock file and
/// package.json (a package added there may not be in the lock yet).
fn npm_install(dir: &str) -> Result {
    let modified = |name: &str| {
        std::fs::metadata(std::path::Path::new(dir).join(name)).and_then(|m| m.modified())
    };
    let fresh = match modified("node_modules/.package-lock.json") {
        Ok(i) => ["package-lock.json", "package.json"]
            .iter()
            .all(|f| modified(f).is_ok_and(|m| m <= i)),
        Err(_) => false,
    };
    if !fresh {
        let ci = step(
            "npm ci",
            Command::new("npm")
                .current_dir(dir)
                .args(["ci", "--no-audit", "--no-fund"]),
        );
        if ci.is_err() {
            // npm ci refuses a lock file that lacks other platforms' optional
            // packages (rollup's native builds), which a registry that does
            // not serve them leaves out. npm install keeps every version the
            // lock pins and only adds what it lacks.
            step(
                "npm install (lock file incomplete for npm ci)",
                Command::new("npm")
                    .current_dir(dir)
                    .args(["install", "--no-audit", "--no-fund"]),
            )?;
        }
    }
    Ok(())
}

/// Debian's Chromium for the browser tests (Playwright's own download does
/// not work here, and CI must not depend on it).
fn browser_setup() -> Result {
    if std::path::Path::new("/usr/bin/chromium").exists() {
        return Ok(());
    }
    let sudo = |args: &[&str]| {
        let root = output(Command::new("id").arg("-u"))
            .map(|(_, t)| t.trim() == "0")
            .unwrap_or(false);
        let mut c = Command::new(if root { args[0] } else { "sudo" });
        c.args(if root { &args[1..] } else { args });
        c.env("DEBIAN_FRONTEND", "noninteractive");
        c
    };
    step("apt-get update", &mut sudo(&["apt-get", "update", "-qq"]))?;
    step(
        "apt-get install chromium",
        &mut sudo(&["apt-get", "install", "-y", "-qq", "chromium"]),
    )
}

/// Builds the web app into wasm-pwa/web/dist: the wire's TypeScript types
/// from the Rust types (ts-rs) and from the OpenAPI document, the wasm core,
/// then Vite.
fn web_build(release: bool) -> Result {
    setup()?;
    web_setup()?;
    let wire = std::env::current_dir()
        .map_err(|e| e.to_string())?
        .join(WEB)
        .join("src/wire");
    std::fs::create_dir_all(&wire).map_err(|e| e.to_string())?;
    step(
        "TypeScript types of the record (ts-rs)",
        cargo().env("TS_RS_EXPORT_DIR", &wire).args([
            "test",
            "-q",
            "-p",
            "client-core",
            "--features",
            "ts",
            "--lib",
            "export_bindings",
        ]),
    )?;
    let mut args = vec!["run", "-q", "-p", "server"];
    if release {
        args.push("--release");
    }
    args.extend(["--", "openapi"]);
    let out = cargo()
        .args(&args)
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| e.to_string())?;
    let (ok, text) = (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    );
    if !ok {
        return Err(format!("server openapi failed:\n{text}"));
    }
    std::fs::write(wire.join("openapi.json"), text).map_err(|e| e.to_string())?;
    step(
        "TypeScript types of the API (openapi-typescript)",
        Command::new("npx").current_dir(WEB).args([
            "openapi-typescript",
            "src/wire/openapi.json",
            "-o",
            "src/wire/api.d.ts",
        ]),
    )?;
    wasm_build("web", &format!("{WEB}/pkg"), &[])?;
    step(
        "web app (tsc + vite build)",
        Command::new("npm").current_dir(WEB).args(["run", "build"]),
    )
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
    // The real OpenID provider the sign-in stories and browser tests use.
    npm_install(IDP)?;
    let (mut passed, mut failed) = cargo_test()?;
    web_build(false)?;
    browser_setup()?;
    let (p, f) = browser_tests()?;
    passed += p;
    failed += f;
    // One closing line for the whole run: cargo's own last line is whichever
    // crate's doc-tests ran last, often "0 passed".
    println!("tests: {passed} passed, {failed} failed");
    if failed > 0 {
        return Err(format!("{failed} test(s) failed"));
    }
    Ok(())
}

/// The Playwright tests against the real server (debug build) in Debian's
/// Chromium; totals from the list reporter's summary lines.
fn browser_tests() -> Result<(u64, u64)> {
    eprintln!("==> browser tests (Playwright, Chromium)");
    let out = Command::new("npx")
        .current_dir(WEB)
        .args(["playwright", "test", "--reporter=list"])
        .env(
            "FIELDLOG_SERVER_BIN",
            std::path::absolute("target/debug/server").map_err(|e| e.to_string())?,
        )
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&out.stdout);
    print!("{text}");
    let count = |word: &str| -> u64 {
        text.lines()
            .filter_map(|l| {
                l.trim().strip_suffix(word).or_else(|| {
                    l.trim()
                        .split_once(&format!("{} ", word.trim()))
                        .map(|(n, _)| n)
                })
            })
            .filter_map(|n| n.trim().parse::<u64>().ok())
            .sum()
    };
    let (passed, failed) = (count(" passed"), count(" failed") + count(" flaky"));
    if !out.status.success() && failed == 0 {
        return Err(format!("browser tests failed ({})", out.status));
    }
    Ok((passed, failed))
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
        // On the host and on wasm32: a dependency may bring bindings on
        // one target only (microlp's clock does on wasm32).
        for target in [None, Some("wasm32-unknown-unknown")] {
            let mut args = vec!["tree", "-p", "client-core", "-e", "normal", "-i", banned];
            args.extend(target.map(|t| ["--target", t]).into_iter().flatten());
            let (_, text) = output(cargo().args(&args))?;
            let found = text.lines().any(|l| l.starts_with(banned));
            if found {
                return Err(format!(
                    "client-core depends on {banned} ({}):\n{text}",
                    target.unwrap_or("host")
                ));
            }
        }
    }
    Ok(())
}

fn run(args: &[String]) -> Result {
    setup()?;
    web_build(true)?;
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

/// The web app's budgets, measured in Chromium and printed; never asserted:
/// wasm and first-load size, create+persist time under 4x CPU throttling,
/// and the phone at year three (issue 15): one officer's phone with 1,000,
/// 5,000 and 20,000 records (unlock, memory, opening a record, saves, a
/// quiet sync, long tasks, DOM size) and a first sign-in's pull of 3,000.
/// The records are seeded into the demo server on the way (11-14 minutes
/// in Chromium, 2 cores); FIELDLOG_BUDGET_SIZES=1000,5000 measures fewer.
/// Figures go to artifacts/budgets.json.
fn budgets() -> Result {
    web_build(false)?;
    step(
        "web app, budget build (adds the measuring hook)",
        Command::new("npm")
            .current_dir(WEB)
            .args(["run", "build:budget"]),
    )?;
    browser_setup()?;
    step("build the server", cargo().args(["build", "-p", "server"]))?;
    step(
        "web budgets (Playwright, Chromium)",
        Command::new("npx")
            .current_dir(WEB)
            .args([
                "playwright",
                "test",
                "--config",
                "scripts/playwright.budgets.config.ts",
                "--reporter=list",
            ])
            .env(
                "FIELDLOG_SERVER_BIN",
                std::path::absolute("target/debug/server").map_err(|e| e.to_string())?,
            ),
    )
}

/// The reference peer's npm packages, then the side-by-side benchmark.
fn sidebyside() -> Result {
    npm_install("tests/peer")?;
    step(
        "side-by-side sync benchmark",
        cargo().args([
            "run",
            "--release",
            "-p",
            "fieldlog-tests",
            "--bin",
            "sidebyside",
        ]),
    )
}

/// 50 sync requests/s for 30 minutes against one server (SOAK_* to change).
fn soak() -> Result {
    step(
        "soak",
        cargo().args(["run", "--release", "-p", "fieldlog-tests", "--bin", "soak"]),
    )
}

/// The fault stories at the full size (CI runs them small).
fn faults() -> Result {
    step(
        "fault tests, full size",
        cargo()
            .args([
                // --workspace, as `test` builds it: one set of artifacts.
                "test",
                "--workspace",
                "--test",
                "stories",
                "faults::",
            ])
            .args(["--", "--nocapture", "--test-threads", "1"])
            .env("FIELDLOG_FAULTS_FULL", "1"),
    )
}

fn bench() -> Result {
    step(
        "client-core benchmarks (native)",
        cargo().args(["bench", "-p", "client-core", "--bench", "record"]),
    )?;
    let out = wasm_build("nodejs", "target/wasm-bench", &["--features", "bench"])?;
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
fn wasm_build(target: &str, out: &str, features: &[&str]) -> Result<String> {
    setup()?;
    ensure_wasm_bindgen()?;
    step(
        "build wasm-pwa (wasm32, size-optimised)",
        cargo()
            .args([
                "build",
                "-p",
                "wasm-pwa",
                "--target",
                "wasm32-unknown-unknown",
                "--profile",
                "wasm-release",
            ])
            .args(features),
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
    // Binaryen from the web app's npm packages. Its -Oz and -O2 shrink the
    // raw file but grow it as sent (inlining makes it less compressible);
    // -O2 without inlining is smaller compressed too (BENCHMARKS.md). The
    // features are those rustc's wasm32 target enables by default.
    npm_install(WEB)?;
    let wasm = format!("{out}/wasm_pwa_bg.wasm");
    step(
        "wasm-opt (-O2, no inlining)",
        Command::new(format!("{WEB}/node_modules/.bin/wasm-opt")).args([
            "-O2",
            "--skip-pass=inlining",
            "--skip-pass=inlining-optimizing",
            "--enable-bulk-memory",
            "--enable-multivalue",
            "--enable-mutable-globals",
            "--enable-nontrapping-float-to-int",
            "--enable-reference-types",
            "--enable-sign-ext",
            &wasm,
            "-o",
            &wasm,
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
