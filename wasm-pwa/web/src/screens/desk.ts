// What the desk screens (supervisor, school leader, analyst, auditor, admin, commander) share: a header
// with the views the role may open, and how a failure is shown.
import type { DeskScreen, Nav } from "../nav";
import { h } from "../ui";

const TITLES: Record<DeskScreen, string> = {
  queue: "Review queue",
  overcalling: "Over-calling",
  activity: "SRO activity",
  report: "Reports",
  audit: "Access log",
  directory: "Directory",
  complaints: "Complaints",
  agreements: "Agreements",
  assessment: "Annual assessment",
  training: "Training",
};

/** The desk views the server says the caller may open (from the policy's grants), in menu order. */
export function deskScreens(views: readonly string[] | undefined): Array<{ screen: DeskScreen; title: string }> {
  return (views ?? []).filter((v): v is DeskScreen => v in TITLES).map((screen) => ({ screen, title: TITLES[screen] }));
}

export function deskHeader(app: Nav, current: DeskScreen, title: string): HTMLElement {
  const session = app.session!;
  const nav = deskScreens(session.user.desk_views);
  return h("header", { class: "bar desk-bar" },
    h("h1", {}, title),
    nav.length > 1 ? h("nav", { "aria-label": "Views" }, nav.map((n) =>
      h("button", { type: "button", class: n.screen === current ? "primary" : "secondary", "aria-current": n.screen === current ? "page" : undefined, onclick: () => void app.go(n.screen) }, n.title))) : "",
    h("button", { type: "button", class: "secondary", onclick: () => void app.signOut() }, `Sign out ${session.user.username}`));
}

export function errorBox(e: unknown): HTMLElement {
  return h("p", { class: "problems", role: "alert" }, e instanceof Error ? e.message : String(e));
}

export function pct(x: number): string {
  return `${(x * 100).toFixed(0)}%`;
}

/**
 * The from/through month inputs of the school views (over-calling, SRO
 * activity) and the query they make: whole, ended months (UTC), as the
 * server requires, so that no window shows a single incident; default the
 * twelve months before this one.
 */
export function monthWindow(prefix: string): { from: HTMLInputElement; through: HTMLInputElement; query(schoolId?: string): URLSearchParams } {
  const month = (y: number, m: number) => new Date(Date.UTC(y, m, 1)).toISOString().slice(0, 7);
  const now = new Date();
  const [y, m] = [now.getUTCFullYear(), now.getUTCMonth()];
  const from = h("input", { id: `${prefix}-from`, type: "month", value: month(y - 1, m) });
  const through = h("input", { id: `${prefix}-through`, type: "month", value: month(y, m - 1), max: month(y, m - 1) });
  return {
    from,
    through,
    query(schoolId?: string) {
      const [ty, tm] = through.value.split("-").map(Number);
      const q = new URLSearchParams({ from: `${from.value}-01`, to: `${month(ty!, tm!)}-01` });
      if (schoolId) q.set("school_id", schoolId);
      return q;
    },
  };
}

/** An officer's training standing in words (client-core's `training::Standing`). */
export function trainingStanding(t: unknown): HTMLElement | string {
  const s = t as { state?: string; by?: string; since?: string; hours?: number; basic_done_on?: string; late?: boolean } | null | undefined;
  switch (s?.state) {
    case "basic_due": return `Basic course due by ${s.by} (${s.hours ?? 0} of 40 h)`;
    case "basic_overdue": return h("span", { class: "flag" }, `Basic course overdue since ${s.since} (${s.hours ?? 0} of 40 h)`);
    case "refresher_overdue": return h("span", { class: "flag" }, `Refresher overdue since ${s.since}`);
    case "compliant": return `Up to date${s.late ? " (basic course finished late)" : ""}`;
    default: return "—";
  }
}
