// The SRO activity profile of a school (issue 20; 004 Data 1.b "what a SRO
// does on a typical day"): by category, who started it, the asking staff
// member's role and the school's local hour, a typical day, and what the
// SRO started on their own. Charts with their tables; counts of records
// only, every number the server's (client_core::activity).
import type { Nav } from "../nav";
import type { School } from "../api";
import type { Tally } from "../wire/Tally";
import type { Profile } from "../wire/Profile";
import { chartWithTable } from "../charts";
import { h } from "../ui";
import { deskHeader, errorBox, monthWindow } from "./desk";

type Activity = { school_id: string; from: string; to: string; time_zone: string; own_officers_only: boolean; schools: School[]; profile: Profile };

export function activityScreen(app: Nav, schoolId?: string): HTMLElement {
  const session = app.session!;
  const body = h("div", { class: "loading", role: "status" }, "Loading…");
  const root = h("div", { class: "screen wide" }, deskHeader(app, "activity", "SRO activity"), body);
  const { from, through, query } = monthWindow("ac");

  const load = async () => {
    const q = query(schoolId);
    try {
      body.replaceChildren(render(await session.fetchJson<Activity>(`/api/v1/dashboards/activity?${q}`)));
    } catch (e) {
      body.replaceChildren(errorBox(e));
    }
  };

  // The form's words are the officer's ("I started it"); a reader at the
  // desk reads about the SRO.
  const words: Record<string, string> = { self: "The SRO, unasked", school_staff: "School staff" };
  const counts = (title: string, rows: Tally[]) =>
    chartWithTable(title, "bar", rows.map((r) => words[r.key] ?? r.key), [{ label: "Involvements", values: rows.map((r) => Number(r.count)) }]);

  function render(v: Activity): HTMLElement {
    const p = v.profile;
    const own = p.self_initiated;
    // The server's list: a supervisor picks among their officers' schools.
    const schools = v.schools;
    return h("div", { class: "desk" },
      h("form", { class: "controls", onsubmit: (e: Event) => { e.preventDefault(); void load(); } },
        schools.length > 1 ? [h("label", { for: "ac-school" }, "School"),
          h("select", { id: "ac-school", onchange: (e: Event) => void app.go("activity", (e.target as HTMLSelectElement).value) },
            schools.map((s) => h("option", { value: s.id, selected: s.id === v.school_id }, s.name)))] : "",
        h("label", { for: from.id }, "From month"), from, h("label", { for: through.id }, "Through month"), through,
        h("button", { type: "submit", class: "secondary" }, "Show")),
      v.own_officers_only ? h("p", { "data-own-officers": "" }, "Other officers serve this school too: these are your officers' involvements only.") : "",
      h("div", { class: "headline", "data-headline": "" },
        h("p", {}, h("span", { class: "big-number", "data-involvements": String(p.involvements) }, String(p.involvements)),
          ` involvements on ${p.active_days} days: about `, h("strong", { "data-per-day": String(p.per_active_day) }, String(p.per_active_day)), " on a day the SRO is involved"),
        h("p", {}, h("span", { class: "big-number" }, String(own.involvements)), " started by the SRO; of those ",
          `${own.arrests} arrests, ${own.citations} citations, ${own.searches} searches, ${own.use_of_force_or_restraint} with force or restraint, and ${own.code_of_conduct} code-of-conduct matters.`)),
      h("div", { class: "charts" },
        counts("By category", p.by_category),
        counts("By who started it", p.by_initiated_by),
        counts("Staff requests by role", p.by_staff_role),
        counts(`By hour of day (${v.time_zone})`, p.by_hour)));
  }

  void load();
  return root;
}
