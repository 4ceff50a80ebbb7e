// The web app's budgets (issue 4), measured, never asserted:
//  - the wasm core, gzipped (target <= 400 KB);
//  - everything the first load fetches, as sent (gzip) (target <= 600 KB);
//  - a record created and persisted (core + encryption + IndexedDB) in Chromium
//    with 4x CPU throttling (target <= 16 ms, one frame).
import { test } from "@playwright/test";
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { signIn, startServer } from "../tests/server";

const DIST = join(import.meta.dirname, "..", "dist");
const OUT = join(import.meta.dirname, "../../../artifacts");

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

test("budgets", async ({ browser }) => {
  const server = await startServer();
  const figures: Record<string, unknown> = {};
  try {
    const wasm = readdirSync(join(DIST, "assets")).find((f) => f.endsWith(".wasm"))!;
    const wasmBytes = readFileSync(join(DIST, "assets", wasm));
    figures.wasm_raw_bytes = wasmBytes.length;
    figures.wasm_gzip_bytes = gzipSync(wasmBytes, { level: 9 }).length;

    // First load: a fresh profile opens the app and the service worker precaches.
    const context = await browser.newContext();
    const fetched = new Map<string, number>();
    context.on("requestfinished", (req) => {
      void req.sizes().then((s) => fetched.set(`${req.url()}#${fetched.size}`, s.responseBodySize + s.responseHeadersSize));
    });
    const page = await context.newPage();
    await page.goto(server.url);
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    await page.waitForLoadState("networkidle");
    await page.waitForTimeout(1000);
    figures.first_load_requests = fetched.size;
    figures.first_load_wire_bytes = [...fetched.values()].reduce((a, b) => a + b, 0);
    const unique = new Set([...fetched.keys()].map((k) => new URL(k.split("#")[0]).pathname));
    figures.first_load_unique_files = [...unique];
    figures.first_load_unique_gzip_bytes = [...unique]
      .map((p) => (p === "/" ? "/index.html" : p))
      .map((p) => {
        try {
          return gzipSync(readFileSync(join(DIST, p)), { level: 6 }).length;
        } catch {
          return 0;
        }
      })
      .reduce((a, b) => a + b, 0);

    // Create + persist under 4x CPU throttling, through the real form.
    await signIn(page, server.url, "sro.patel");
    const cdp = await context.newCDPSession(page);
    await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
    await context.setOffline(true); // measure the phone's work, not the network
    for (let i = 0; i < 30; i++) {
      await page.getByRole("button", { name: "+ Log a contact" }).click();
      await page.getByRole("button", { name: "Routine contact" }).click();
      await page.getByLabel("Student number or initials").fill(`B${i}`);
      await page.getByRole("button", { name: "Save draft" }).click();
      await page.getByRole("heading", { name: "My records" }).waitFor();
    }
    const durations = await page.evaluate(() => ({
      create: performance.getEntriesByName("fieldlog:create").map((e) => e.duration),
      update: performance.getEntriesByName("fieldlog:update").map((e) => e.duration),
    }));
    for (const [k, xs] of Object.entries(durations)) {
      figures[`${k}_persist_ms_4x_throttled`] = { n: xs.length, p50: pct(xs, 50), p95: pct(xs, 95), max: Math.max(...xs) };
    }
    await context.close();
  } finally {
    await server.stop();
  }
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, "budgets.json"), JSON.stringify(figures, null, 2));
  console.log(JSON.stringify(figures, null, 2));
});
