// Only in the `budget` build (vite build --mode budget), for
// scripts/budgets.run.ts: hooks that time what the officer's app does
// through the same Session calls the screens use, and read what the page
// cannot see from outside (the wasm core's memory, the session's last sync).
// Nothing here reads or returns a record's contents.
import type { App } from "./app";
import { uuidv7, type IncidentRecord } from "./core";
import init from "../pkg/wasm_pwa.js";

/** What scripts/budgets.run.ts calls as `window.fieldlogBudget`. */
export interface BudgetHooks {
  /** Creates and persists `n` records (Session.save); the ms of each. */
  create(n: number): Promise<number[]>;
  /** Amends `n` submitted records spread over the list (Session.save with a reason); the ms of each. */
  update(n: number): Promise<number[]>;
  /** Bytes of the wasm core's linear memory (it grows, never shrinks). */
  wasmBytes(): Promise<number>;
  /** Lines of the officer's list (records on the phone). */
  listLength(): number;
  /** When the session last finished a sync (ms since the epoch), if it has. */
  lastSync(): number | undefined;
  /**
   * Clicks "Sync now" and waits for that sync and the next frame; the ms
   * from the click, and the ms the sync request itself took on the wire.
   */
  syncNow(): Promise<{ ms: number; request_ms: number[] }>;
}

const frame = () =>
  new Promise<void>((ok) =>
    requestAnimationFrame(() => {
      // After the frame's paint: a message posted from rAF runs once it is done.
      const ch = new MessageChannel();
      ch.port1.onmessage = () => ok();
      ch.port2.postMessage(0);
    }),
  );

const pause = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

export function installBudgetHooks(app: App): void {
  const session = () => {
    if (!app.session) throw new Error("sign in first");
    return app.session;
  };
  const timed = async (f: () => Promise<void>) => {
    const t0 = performance.now();
    await f();
    return performance.now() - t0;
  };
  const hooks: BudgetHooks = {
    async create(n) {
      const s = session();
      const out: number[] = [];
      for (let i = 0; i < n; i++) {
        const r: IncidentRecord = {
          id: uuidv7(),
          school_id: s.user.schools[0].id,
          officer_id: s.user.id,
          occurred_at: new Date().toISOString(),
          ended_at: null,
          location: "hallway",
          initiated_by: "self",
          request: null,
          category: "relationship_building",
          would_warrant_911: false,
          offense: null,
          sro_role: "informal_counselor",
          students: [{ key: uuidv7(), ref: `B${i}` } as IncidentRecord["students"][number]],
          deescalation: [],
          actions: ["none"],
          custody: null,
          status: "submitted",
          submitted_at: new Date().toISOString(),
          amendments: [],
        };
        out.push(await timed(() => s.save(r)));
        // Let the frame finish, as between two real records.
        await pause(20);
      }
      return out;
    },
    async update(n) {
      const s = session();
      const len = s.listLength;
      const out: number[] = [];
      for (let i = 0; i < n; i++) {
        // Spread over the list, so most are not among the live documents.
        const row = s.rows(Math.floor(((i + 0.5) * len) / n), 1)[0];
        if (!row || row.draft) continue;
        // What the form does: load the record, then save the edited copy.
        await s.ensure(row.id);
        const r = s.record(row.id);
        if (!r) continue;
        r.ended_at = new Date(Date.parse(r.ended_at ?? r.occurred_at) + 60_000).toISOString();
        out.push(await timed(() => s.save(r, "End time corrected (budget run).")));
        await pause(20);
      }
      return out;
    },
    async wasmBytes() {
      // The module is initialised already (core.ts); init() then returns its exports.
      return (await init()).memory.buffer.byteLength;
    },
    listLength: () => session().listLength,
    lastSync: () => app.session?.lastSync?.getTime(),
    async syncNow() {
      const s = session();
      const button = [...document.querySelectorAll("button")].find((b) => b.textContent === "Sync now");
      if (!button) throw new Error("no Sync now button on screen");
      // Room for this sync's entry, whatever the run fetched before.
      performance.clearResourceTimings();
      const t0 = performance.now();
      button.click();
      // The click started the sync; sync() hands back that same run.
      await s.sync();
      await frame();
      const ms = performance.now() - t0;
      const request_ms = performance
        .getEntriesByType("resource")
        .filter((e) => e.startTime >= t0 && e.name.endsWith("/api/v1/sync"))
        .map((e) => e.duration);
      return { ms, request_ms };
    },
  };
  (window as unknown as { fieldlogBudget: BudgetHooks }).fieldlogBudget = hooks;
}
