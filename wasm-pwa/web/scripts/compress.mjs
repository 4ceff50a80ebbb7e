// Writes FILE.br and FILE.gz beside each text and wasm file of a build, so
// that the server sends them precompressed (tower-http's ServeDir picks the
// one the browser accepts) at a level no on-the-fly compression could afford.
//
// usage: node scripts/compress.mjs [dir]   (dir defaults to dist)
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const COMPRESSIBLE = /\.(html|js|mjs|css|wasm|svg|json|webmanifest|txt)$/;

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else if (COMPRESSIBLE.test(name)) yield path;
  }
}

const dir = process.argv[2] ?? "dist";
let count = 0;
for (const path of files(dir)) {
  const raw = readFileSync(path);
  const encoded = {
    // Brotli's best, with the largest window every browser decodes.
    br: brotliCompressSync(raw, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_LGWIN]: constants.BROTLI_MAX_WINDOW_BITS,
        [constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
      },
    }),
    gz: gzipSync(raw, { level: constants.Z_BEST_COMPRESSION }),
  };
  for (const [ext, bytes] of Object.entries(encoded)) {
    // A tiny file can grow; then the server sends it as it is.
    if (bytes.length < raw.length) {
      writeFileSync(`${path}.${ext}`, bytes);
      count += 1;
    }
  }
}
console.log(`compress: ${count} precompressed files in ${dir}`);
