// Only in the `budget` build (vite build --mode budget), for
// scripts/budgets.run.ts: creates and persists records through the same
// Session.save the form uses, with nothing else on the main thread, and
// returns the milliseconds of each.
import type { App } from "./app";
import { uuidv7, type IncidentRecord } from "./core";

export function installBudgetHooks(app: App): void {
  (window as unknown as { fieldlogBench: (n: number) => Promise<number[]> }).fieldlogBench = async (n: number) => {
    const session = app.session;
    if (!session) throw new Error("sign in first");
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const r: IncidentRecord = {
        id: uuidv7(),
        school_id: session.user.schools[0].id,
        officer_id: session.user.id,
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
      const t0 = performance.now();
      await session.save(r);
      out.push(performance.now() - t0);
      // Let the frame finish, as between two real records.
      await new Promise((ok) => setTimeout(ok, 20));
    }
    return out;
  };
}
