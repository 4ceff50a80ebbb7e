// The school leader's over-calling view (DOMAIN.md section 5): how often
// staff call the SRO, how much of it is school discipline rather than
// safety, against the district median; charts with their tables. No
// student appears anywhere in it.
import type { Nav } from "../nav";
import type { Count, Overcalling } from "../api";
import { chartWithTable } from "../charts";
import { h } from "../ui";
import { deskHeader, errorBox, monthWindow, pct } from "./desk";

export function overcallingScreen(app: Nav, schoolId?: string): HTMLElement {
  const session = app.session!;
  const body = h("div", { class: "loading", role: "status" }, "Loading…");
  const root = h("div", { class: "screen wide" }, deskHeader(app, "overcalling", "Over-calling"), body);
  const { from, through, query } = monthWindow("oc");

  const load = async () => {
    const q = query(schoolId);
    try {
      const v = await session.fetchJson<Overcalling>(`/api/v1/dashboards/overcalling?${q}`);
      body.replaceChildren(render(v));
    } catch (e) {
      body.replaceChildren(errorBox(e));
    }
  };

  const counts = (title: string, rows: Count[], kind: "bar" | "line" = "bar") =>
    chartWithTable(title, kind, rows.map((r) => r.key), [
      { label: "Requested", values: rows.map((r) => r.requested) },
      { label: "Not a safety matter", values: rows.map((r) => r.not_safety) },
    ]);

  function render(v: Overcalling): HTMLElement {
    // The server's list: a supervisor picks among their officers' schools.
    const schools = v.schools;
    const stands = v.not_safety_share > v.district_median_share;
    const o = v.outcomes;
    return h("div", { class: "desk" },
      h("form", { class: "controls", onsubmit: (e: Event) => { e.preventDefault(); void load(); } },
        schools.length > 1 ? [h("label", { for: "oc-school" }, "School"),
          h("select", { id: "oc-school", onchange: (e: Event) => void app.go("overcalling", (e.target as HTMLSelectElement).value) },
            schools.map((s) => h("option", { value: s.id, selected: s.id === v.school_id }, s.name)))] : "",
        h("label", { for: from.id }, "From month"), from, h("label", { for: through.id }, "Through month"), through,
        h("button", { type: "submit", class: "secondary" }, "Show")),
      h("div", { class: "headline", "data-headline": "" },
        h("p", {}, h("span", { class: "big-number" }, String(v.requested)), " involvements requested by staff, of ", String(v.involvements), " in all"),
        h("p", { class: stands ? "warn" : "" }, h("span", { class: "big-number", "data-share": v.not_safety_share }, pct(v.not_safety_share)),
          " were not safety matters (no 911 needed, or code of conduct); the district median is ", h("strong", { "data-median": v.district_median_share }, pct(v.district_median_share)),
          stands ? ". This school calls the SRO for school discipline more than most." : ".")),
      h("div", { class: "charts" },
        counts("Weekly trend", v.weekly, "line"),
        counts("By who asked", v.by_staff_role),
        counts("By staff member", v.by_staff_member),
        counts("By location", v.by_location),
        counts(`By hour of day (${v.time_zone})`, v.by_hour),
        chartWithTable("What the requests led to", "bar",
          ["arrests", "citations", "searches", "use_of_force_or_restraint", "referred_to_administrator", "declined_discipline_matter"],
          [{ label: "Requests", values: [o.arrests, o.citations, o.searches, o.use_of_force_or_restraint, o.referred_to_administrator, o.declined_discipline_matter] }])));
  }

  void load();
  return root;
}
