// The phone at year three (issue 15): one officer's device holding N records,
// measured in Chromium at 360x640 with 4x CPU throttling, in the budget
// build (src/budget.ts supplies `window.fieldlogBudget`). Times are taken
// inside the page: from the user's event (submit, click) to the frame after
// the awaited element appears, so Playwright's own latency is not counted.
import type { BudgetHooks } from "../src/budget";
import type { Browser, BrowserContext, CDPSession, Page } from "@playwright/test";
import { readFileSync } from "node:fs";
import { PASSWORD } from "../tests/server";

/** Installed before the app's scripts on every load: long tasks, and a timer from an event to a paint. */
function instrument(): void {
  const b = {
    longtasks: [] as Array<[number, number]>,
    pending: undefined as Promise<[number, number]> | undefined,
    /** The next `event` on the page starts a timer; the frame after `selector` appears stops it. */
    arm(event: string, selector: string): void {
      b.pending = new Promise((ok) => {
        const start = () => {
          const t0 = performance.now();
          const painted = () =>
            requestAnimationFrame(() => {
              const ch = new MessageChannel();
              ch.port1.onmessage = () => ok([t0, performance.now()]);
              ch.port2.postMessage(0);
            });
          const mo = new MutationObserver(() => {
            if (!document.querySelector(selector)) return;
            mo.disconnect();
            painted();
          });
          mo.observe(document, { childList: true, subtree: true });
        };
        document.addEventListener(event, start, { capture: true, once: true });
      });
    },
  };
  (window as unknown as { __budget: typeof b }).__budget = b;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) b.longtasks.push([e.startTime, e.duration]);
  }).observe({ type: "longtask" });
}

type Hooks = BudgetHooks;
type Win = { fieldlogBudget: Hooks; __budget: { longtasks: Array<[number, number]>; pending?: Promise<[number, number]>; arm(e: string, s: string): void } };

export function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}
const r1 = (x: number) => Math.round(x * 10) / 10;
const mb = (x: number) => Math.round((x / 1048576) * 10) / 10;
const stats = (xs: number[]) => ({ n: xs.length, p50: r1(pct(xs, 50)), p95: r1(pct(xs, 95)), max: r1(Math.max(...xs)) });

export interface Device {
  context: BrowserContext;
  page: Page;
  cdp: CDPSession;
}

/** A fresh phone: its own profile, the instrumentation, 4x slower CPU. */
export async function freshDevice(browser: Browser): Promise<Device> {
  const context = await browser.newContext();
  await context.addInitScript(instrument);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
  return { context, page, cdp };
}

/** Minutes an awaited screen may take before the run gives up on it. */
const PATIENCE_MS = 10 * 60_000;

async function timed(page: Page, event: string, selector: string, act: () => Promise<void>): Promise<[number, number]> {
  await page.evaluate(([e, s]) => (window as unknown as Win).__budget.arm(e, s), [event, selector]);
  await act();
  return page.evaluate(
    ([s, ms]) =>
      Promise.race([
        (window as unknown as Win).__budget.pending!,
        new Promise<never>((_, fail) => setTimeout(() => fail(new Error(`${s} did not appear in ${ms} ms`)), ms)),
      ]),
    [selector, PATIENCE_MS] as const,
  );
}

/**
 * Taps `target` from inside the page (the list's lines move as it redraws;
 * a click from outside would race them) and times it to `selector`.
 */
function tap(page: Page, target: string, selector: string): Promise<[number, number]> {
  return timed(page, "click", selector, () =>
    page.evaluate((t) => {
      const el = t.startsWith("text=")
        ? Array.from(document.querySelectorAll("button")).find((b) => b.textContent === t.slice(5))
        : document.querySelector<HTMLElement>(t);
      if (!el) throw new Error(`nothing to tap: ${t}`);
      el.click();
    }, target),
  );
}

async function longest(page: Page, from: number, to: number): Promise<number> {
  return page.evaluate(
    ([a, z]) => Math.max(0, ...(window as unknown as Win).__budget.longtasks.filter(([s, d]) => s + d > a && s < z).map(([, d]) => d)),
    [from, to],
  );
}

const now = (page: Page) => page.evaluate(() => performance.now());

/** Waits for the session's first finished sync; its time on the page's clock (performance.now). */
async function synced(page: Page): Promise<number> {
  await page.waitForFunction(() => (window as unknown as Win).fieldlogBudget.lastSync() !== undefined, null, { timeout: 0, polling: 250 });
  return page.evaluate(() => (window as unknown as Win).fieldlogBudget.lastSync()! - performance.timeOrigin);
}

/** JS heap (after a full GC) and the wasm core's memory. */
async function memory(d: Device): Promise<Record<string, number>> {
  // measureUserAgentSpecificMemory needs a cross-origin-isolated page; the app is not one.
  const isolated = await d.page.evaluate(() => self.crossOriginIsolated);
  if (isolated) {
    const bytes = await d.page.evaluate(async () => (await (performance as unknown as { measureUserAgentSpecificMemory(): Promise<{ bytes: number }> }).measureUserAgentSpecificMemory()).bytes);
    return { ua_specific_mb: mb(bytes) };
  }
  await d.cdp.send("HeapProfiler.collectGarbage");
  const heap = await d.cdp.send("Runtime.getHeapUsage");
  const wasm = await d.page.evaluate(() => (window as unknown as Win).fieldlogBudget.wasmBytes());
  return { js_heap_mb: mb(heap.usedSize), wasm_mb: mb(wasm), total_mb: mb(heap.usedSize + wasm), ...(await rendererRss(d)) };
}

/**
 * The largest renderer's resident memory (the page's; other contexts are
 * closed by then), as issue 15's "before" table gives it. Linux only.
 */
async function rendererRss(d: Device): Promise<Record<string, number>> {
  try {
    const browser = d.context.browser()!;
    const s = await browser.newBrowserCDPSession();
    const { processInfo } = await s.send("SystemInfo.getProcessInfo");
    await s.detach();
    const kb = processInfo
      .filter((p) => p.type === "renderer")
      .map((p) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p.id}/status`, "utf8"))?.[1] ?? 0));
    return { renderer_rss_mb: Math.round(Math.max(0, ...kb) / 1024) };
  } catch {
    return {};
  }
}

/**
 * A first sign-in on a fresh phone: from the tap on "Sign in" to the list's
 * first record on screen, and to the end of the pull. Leaves the phone
 * signed in.
 */
export async function firstSignIn(d: Device, base: string, username: string): Promise<Record<string, unknown>> {
  const { page } = d;
  await page.goto(base);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(PASSWORD);
  const [t0, listed] = await timed(page, "submit", "[data-record]", () => page.getByRole("button", { name: "Sign in" }).click());
  const end = await synced(page);
  return {
    to_first_record_ms: Math.round(listed - t0),
    to_synced_ms: Math.round(end - t0),
    records_on_device: await page.evaluate(() => (window as unknown as Win).fieldlogBudget.listLength()),
    viewport: await page.evaluate(() => `${innerWidth}x${innerHeight}@${devicePixelRatio}`),
    longest_task_ms: r1(await longest(page, t0, end)),
    memory_after: await memory(d),
  };
}

/** Everything the issue budgets, on a phone that has just pulled its records. */
export async function measure(d: Device, out: Record<string, unknown>, log: (m: string) => void): Promise<void> {
  const { page, context, cdp } = d;

  // Reload (the app restarts locked), then unlock with the password.
  const r0 = Date.now();
  await page.reload();
  await page.getByRole("heading", { name: "Unlock Fieldlog" }).waitFor({ timeout: 120_000 });
  out.reload_to_unlock_screen_ms = Date.now() - r0;
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
  await page.getByLabel("Password").fill(PASSWORD);
  const [u0, painted] = await timed(page, "submit", "[data-record]", () => page.getByRole("button", { name: "Unlock" }).click());
  // Unlocking online starts a sync; unlock's frozen time includes it.
  const u1 = await synced(page);
  out.unlock_to_first_paint_ms = Math.round(painted - u0);
  out.unlock_to_synced_ms = Math.round(u1 - u0);
  out.unlock_longest_task_ms = r1(await longest(page, u0, u1 + 500));
  out.records_on_device = await page.evaluate(() => (window as unknown as Win).fieldlogBudget.listLength());
  out.memory_after_unlock = await memory(d);
  log(`unlocked: ${out.unlock_to_first_paint_ms} ms to the list`);

  // "Sync now" with nothing new, five times.
  const s0 = await now(page);
  const syncs: number[] = [];
  const requests: number[] = [];
  for (let i = 0; i < 5; i++) {
    const s = await page.evaluate(() => (window as unknown as Win).fieldlogBudget.syncNow());
    syncs.push(s.ms);
    requests.push(...s.request_ms);
    await page.waitForTimeout(300);
  }
  out.sync_nothing_new_ms = { ...stats(syncs), all: syncs.map(Math.round) };
  out.sync_nothing_new_request_ms = stats(requests);
  out.sync_longest_task_ms = r1(await longest(page, s0, await now(page)));

  // Scroll the list to the bottom, five screens a frame (a hard fling).
  const sc = await page.evaluate(async () => {
    const frame = () => new Promise((ok) => requestAnimationFrame(ok));
    const t0 = performance.now();
    let frames = 0;
    while (scrollY + innerHeight < document.documentElement.scrollHeight - 2 && frames < 200_000) {
      const y = scrollY;
      scrollBy(0, innerHeight * 5);
      frames++;
      await frame();
      if (scrollY === y) break;
    }
    await frame();
    await frame();
    return { t0, t1: performance.now(), frames };
  });
  out.scroll_to_bottom = { s: r1((sc.t1 - sc.t0) / 1000), frames: sc.frames, ms_per_frame: r1((sc.t1 - sc.t0) / sc.frames) };
  out.scroll_longest_task_ms = r1(await longest(page, sc.t0, sc.t1));
  out.dom_nodes_after_scroll = await page.evaluate(() => document.getElementsByTagName("*").length);
  out.list_lines_in_dom = await page.locator("[data-record]").count();
  out.memory_after_scroll = await memory(d);
  log(`scrolled: ${sc.frames} frames, ${out.dom_nodes_after_scroll} DOM nodes`);

  // Open a record from five places in the list, and go back each time.
  const opens: number[] = [];
  const backs: number[] = [];
  for (const f of [1, 0.75, 0.5, 0.25, 0]) {
    const id = await page.evaluate(async (f) => {
      scrollTo(0, f * (document.documentElement.scrollHeight - innerHeight));
      for (let i = 0; i < 3; i++) await new Promise((ok) => requestAnimationFrame(ok));
      const seen = Array.from(document.querySelectorAll("[data-record]")).filter((e) => {
        const r = e.getBoundingClientRect();
        return r.bottom > 0 && r.top < innerHeight;
      });
      return seen[Math.floor(seen.length / 2)]?.getAttribute("data-record");
    }, f);
    if (!id) throw new Error(`no list line on screen at ${f} of the list`);
    const [o0, o1] = await tap(page, `[data-record="${id}"]`, "#reviews-h");
    opens.push(o1 - o0);
    const [b0, b1] = await tap(page, "text=← Records", "[data-record]");
    backs.push(b1 - b0);
  }
  out.open_record_ms = { ...stats(opens), all: opens.map(Math.round) };
  out.back_to_list_ms = { ...stats(backs), all: backs.map(Math.round) };

  // Saves on the form, offline (the phone's work, not the network's):
  // 50 new records, then 50 amendments of records spread over the list.
  await page.getByRole("button", { name: "+ Log a contact" }).click();
  await context.setOffline(true);
  const creates = await page.evaluate(() => (window as unknown as Win).fieldlogBudget.create(50));
  const updates = await page.evaluate(() => (window as unknown as Win).fieldlogBudget.update(50));
  const measured = await page.evaluate(() =>
    Object.fromEntries(["fieldlog:create", "fieldlog:update"].map((n) => [n, performance.getEntriesByName(n).map((e) => e.duration)])),
  );
  await context.setOffline(false);
  out.save_create_ms = stats(creates);
  out.save_update_ms = stats(updates);
  out.save_user_timing_ms = { create: stats(measured["fieldlog:create"]), update: stats(measured["fieldlog:update"]) };
}
