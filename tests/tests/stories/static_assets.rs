//! The web app as sent (issue 15): each file precompressed at build time
//! (brotli, else gzip), hashed assets kept by the browser for good, and the
//! shell that names them revalidated on every load.

use fieldlog_tests::{Db, TestServer, header};
use std::io::Read;
use std::path::{Path, PathBuf};

const WASM: &str = "assets/wasm_pwa_bg-Bx2kQ9aZ.wasm";
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// A stand-in for `cargo xtask web`'s output (Vite's layout: the shell at the
/// root, hashed files under `assets/`), compressed by the build's own script.
fn built_app() -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("fieldlog-web-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(dir.join("assets"))?;
    let page = "<!doctype html><title>Fieldlog</title><p>the-app-shell</p>".repeat(8);
    let files: [(&str, Vec<u8>); 4] = [
        ("index.html", page.into_bytes()),
        (
            "sw.js",
            b"self.addEventListener('fetch', () => {});\n".repeat(8),
        ),
        ("manifest.webmanifest", br#"{"name":"Fieldlog"}"#.repeat(8)),
        // Compressible like a real module: a header, then repeated code.
        (
            WASM,
            [
                b"\0asm\x01\0\0\0".as_slice(),
                &b"\x20\x00\x41\x01\x6a\x0b".repeat(4096),
            ]
            .concat(),
        ),
    ];
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes)?;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../wasm-pwa/web/scripts/compress.mjs");
    let status = std::process::Command::new("node")
        .arg(script)
        .arg(&dir)
        .status()?;
    anyhow::ensure!(status.success(), "compress.mjs failed ({status})");
    Ok(dir)
}

/// The wasm core goes out as the `.br` written at build time to a browser
/// that takes brotli, as the `.gz` to one that takes only gzip, and is kept
/// for a year; the page, the service worker and the manifest are revalidated.
#[tokio::test]
async fn the_wasm_core_goes_out_precompressed_and_only_hashed_assets_are_kept() -> anyhow::Result<()>
{
    let web = built_app()?;
    let s = TestServer::start_with(
        &Db::Sqlite,
        &[("FIELDLOG_WEB_DIR", web.to_str().unwrap_or_default())],
    )
    .await?;
    // Bytes as sent: this client decodes nothing itself.
    fieldlog_tests::install_crypto();
    let http = reqwest::Client::builder().no_gzip().build()?;
    let get = |path: &str, accept: &str| {
        http.get(s.url(path))
            .header("accept-encoding", accept)
            .send()
    };
    let original = std::fs::read(web.join(WASM))?;

    let br = get(&format!("/{WASM}"), "br").await?;
    assert_eq!(br.status(), 200);
    assert_eq!(header(&br, "content-encoding").as_deref(), Some("br"));
    assert_eq!(
        header(&br, "content-type").as_deref(),
        Some("application/wasm")
    );
    assert_eq!(header(&br, "cache-control").as_deref(), Some(IMMUTABLE));
    assert_eq!(header(&br, "vary").as_deref(), Some("accept-encoding"));
    // The security headers wrap the static files too.
    assert!(header(&br, "content-security-policy").is_some());
    assert_eq!(
        header(&br, "x-content-type-options").as_deref(),
        Some("nosniff")
    );
    let sent = br.bytes().await?;
    assert_eq!(
        &sent[..],
        &std::fs::read(web.join(format!("{WASM}.br")))?[..]
    );
    assert!(
        sent.len() < original.len() / 10,
        "{} bytes sent",
        sent.len()
    );

    let gz = get(&format!("/{WASM}"), "gzip, deflate, br").await?;
    assert_eq!(
        header(&gz, "content-encoding").as_deref(),
        Some("br"),
        "br preferred"
    );
    let gz = get(&format!("/{WASM}"), "gzip").await?;
    assert_eq!(header(&gz, "content-encoding").as_deref(), Some("gzip"));
    assert_eq!(header(&gz, "cache-control").as_deref(), Some(IMMUTABLE));
    let mut decoded = Vec::new();
    flate2::read::GzDecoder::new(&gz.bytes().await?[..]).read_to_end(&mut decoded)?;
    assert_eq!(decoded, original);

    let plain = get(&format!("/{WASM}"), "identity").await?;
    assert_eq!(header(&plain, "content-encoding"), None);
    assert_eq!(header(&plain, "cache-control").as_deref(), Some(IMMUTABLE));
    assert_eq!(&plain.bytes().await?[..], &original[..]);

    // A missing asset is a 404 that nobody keeps, never the page.
    let missing = get("/assets/index-Gone0000.js", "br").await?;
    assert_eq!(missing.status(), 404);
    assert_ne!(
        header(&missing, "cache-control").as_deref(),
        Some(IMMUTABLE)
    );

    for path in [
        "/",
        "/index.html",
        "/records/some-id",
        "/sw.js",
        "/manifest.webmanifest",
    ] {
        let r = get(path, "br").await?;
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(
            header(&r, "cache-control").as_deref(),
            Some("no-cache"),
            "{path}"
        );
        assert_eq!(
            header(&r, "content-encoding").as_deref(),
            Some("br"),
            "{path}"
        );
    }
    // The API is still never stored.
    let api = get("/api/v1/me", "br").await?;
    assert_eq!(header(&api, "cache-control").as_deref(), Some("no-store"));
    Ok(())
}
