// The web app's budgets (issue 4), measured, never asserted:
//  - the wasm core, gzipped (target <= 400 KB);
//  - everything the first load fetches, as sent (gzip) (target <= 600 KB);
//  - a record created and persisted (core + encryption + IndexedDB) in Chromium
//    with 4x CPU throttling (target <= 16 ms, one frame);
//  - the phone at year three (issue 15, scripts/phone.ts): one officer's
//    phone holding 1,000, 5,000 and 20,000 records (FIELDLOG_BUDGET_SIZES to
//    choose others), and a first sign-in's pull of 3,000
//    (FIELDLOG_BUDGET_PULL).
import { test, type Browser } from "@playwright/test";
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { signIn, startServer, type Server } from "../tests/server";
import { firstSignIn, freshDevice, measure, pct } from "./phone";
import { countSince, officer, seed, windowStart } from "./seed";

const DIST = join(import.meta.dirname, "..", "dist");
const OUT = join(import.meta.dirname, "../../../artifacts");

const OFFICER = "sro.patel";
const SIZES = (process.env.FIELDLOG_BUDGET_SIZES ?? "1000,5000,20000").split(",").map(Number);
/** One officer's school year (issue 15: "a first sign-in's pull of 3,000 records"). */
const PULL = Number(process.env.FIELDLOG_BUDGET_PULL ?? 3000);
const DAY = 86_400_000;

function log(m: string): void {
  console.log(`[${new Date().toISOString().slice(11, 19)}] ${m}`);
}

/**
 * Grows one server's records for the officer through every size, and at
 * each signs a fresh phone in (the pull that fills it), then measures it.
 * Seeded records occurred in the last nine months and inside the device's
 * window; the demo's own records in the window count towards each size.
 */
async function yearThree(browser: Browser, server: Server, out: Record<string, unknown>): Promise<void> {
  const from = await windowStart(server.url, "sgt.brooks");
  const span = [Math.max(from + DAY, Date.now() - 270 * DAY), Date.now() - DAY] as const;
  const demo = await countSince(server.url, await officer(server.url, OFFICER), from);
  out.window_from = new Date(from).toISOString();
  out.demo_records_in_window = demo;
  const seededSecs: Record<string, number> = {};
  let seeded = 0;
  for (const n of [...new Set([...SIZES, PULL])].sort((a, b) => a - b)) {
    const want = n - demo - seeded;
    if (want > 0) {
      log(`seeding ${want} records (to ${n})`);
      // A fresh token per size: seeding 15,000 outlasts an access token.
      seededSecs[n] = await seed(server.url, await officer(server.url, OFFICER), seeded, want, ...span);
      seeded += want;
    }
    const d = await freshDevice(browser);
    try {
      log(`${n}: first sign-in`);
      const first = await firstSignIn(d, server.url, OFFICER);
      log(`${n}: synced in ${first.to_synced_ms} ms`);
      if (n === PULL) out[`first_signin_${n}`] = first;
      if (SIZES.includes(n)) {
        const fig: Record<string, unknown> = { first_signin: first };
        out[String(n)] = fig;
        await measure(d, fig, (m) => log(`${n}: ${m}`));
      }
    } finally {
      // Closed offline after the saves: the server keeps exactly n records.
      await d.context.close();
    }
  }
  out.seed_seconds = seededSecs;
}

type Fig = Record<string, unknown>;
const at = (o: unknown, path: string): unknown => path.split(".").reduce<unknown>((x, k) => (x && typeof x === "object" ? (x as Fig)[k] : undefined), o);
/** Long tasks are entries of 50 ms or more: none means under 50. */
const task = (o: unknown, path: string) => (at(o, path) === 0 ? "<50" : at(o, path));

/** The budget table, one column per size, for the console. */
function table(phone: Fig): string {
  const sizes = SIZES.filter((n) => phone[String(n)]);
  const rows: Array<[string, (f: unknown) => unknown]> = [
    ["unlock -> list's first paint, ms", (f) => at(f, "unlock_to_first_paint_ms")],
    ["unlock -> its sync done, ms", (f) => at(f, "unlock_to_synced_ms")],
    ["JS heap + wasm after unlock, MB", (f) => `${at(f, "memory_after_unlock.js_heap_mb")} + ${at(f, "memory_after_unlock.wasm_mb")} = ${at(f, "memory_after_unlock.total_mb")}`],
    ["JS heap + wasm after scrolling, MB", (f) => `${at(f, "memory_after_scroll.js_heap_mb")} + ${at(f, "memory_after_scroll.wasm_mb")} = ${at(f, "memory_after_scroll.total_mb")}`],
    ["open a record, ms (p50 / max of 5)", (f) => `${at(f, "open_record_ms.p50")} / ${at(f, "open_record_ms.max")}`],
    ["back to the list, ms (p50 / max of 5)", (f) => `${at(f, "back_to_list_ms.p50")} / ${at(f, "back_to_list_ms.max")}`],
    ["save a new record, ms p95", (f) => at(f, "save_create_ms.p95")],
    ["save an edit, ms p95", (f) => at(f, "save_update_ms.p95")],
    ["sync, nothing new, ms (median of 5)", (f) => at(f, "sync_nothing_new_ms.p50")],
    ["longest task: unlock / sync / scroll, ms", (f) => `${task(f, "unlock_longest_task_ms")} / ${task(f, "sync_longest_task_ms")} / ${task(f, "scroll_longest_task_ms")}`],
    ["DOM nodes after scrolling", (f) => at(f, "dom_nodes_after_scroll")],
    ["first sign-in -> first record / synced, ms", (f) => `${at(f, "first_signin.to_first_record_ms")} / ${at(f, "first_signin.to_synced_ms")}`],
    ["records on the phone", (f) => at(f, "records_on_device")],
  ];
  const lines = [`| measure | ${sizes.join(" | ")} |`, `|---|${sizes.map(() => "---:").join("|")}|`];
  for (const [name, f] of rows) lines.push(`| ${name} | ${sizes.map((n) => String(f(phone[String(n)]))).join(" | ")} |`);
  const pull = phone[`first_signin_${PULL}`];
  if (pull) lines.push("", `first sign-in, ${PULL} records: first record ${at(pull, "to_first_record_ms")} ms, synced ${at(pull, "to_synced_ms")} ms, longest task ${task(pull, "longest_task_ms")} ms`);
  return lines.join("\n");
}

test("budgets", async ({ browser }) => {
  const server = await startServer();
  const budgetServer = await startServer("dist-budget");
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

    // Create + persist under 4x CPU throttling: Session.save (core, AES-GCM,
    // IndexedDB) on an otherwise idle main thread, in the budget build.
    const bench = await browser.newContext();
    const bp = await bench.newPage();
    await signIn(bp, budgetServer.url, "sro.patel");
    const cdp = await bench.newCDPSession(bp);
    await bench.setOffline(true); // the phone's work, not the network
    // On the form, where an officer is when a record is saved (the list would
    // re-render after each save and queue behind the next one).
    await bp.getByRole("button", { name: "+ Log a contact" }).click();
    for (const rate of [1, 4]) {
      await cdp.send("Emulation.setCPUThrottlingRate", { rate });
      const ms = await bp.evaluate((n) => (window as unknown as { fieldlogBudget: { create(n: number): Promise<number[]> } }).fieldlogBudget.create(n), 50);
      figures[`create_persist_ms_cpu_${rate}x`] = { n: ms.length, p50: pct(ms, 50), p95: pct(ms, 95), max: Math.max(...ms) };
    }
    await bench.close();
    await context.close();

    const phone: Fig = {};
    figures.phone = phone;
    await yearThree(browser, budgetServer, phone);
    console.log(table(phone));
  } finally {
    await server.stop();
    await budgetServer.stop();
    // Written even when a step failed: what was measured before it stands.
    mkdirSync(OUT, { recursive: true });
    writeFileSync(join(OUT, "budgets.json"), JSON.stringify(figures, null, 2));
    console.log(JSON.stringify(figures, null, 2));
  }
});
