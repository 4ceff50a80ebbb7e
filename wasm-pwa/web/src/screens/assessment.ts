// The annual program assessment (issue 21; 003 p10) of the caller's agency
// or district, for command staff and the district's analysts: reviews and
// their findings, review meetings per school, complaints by disposition,
// training compliance; a link to the year's public transparency tables and
// one CSV with everything. Counts are suppressed by the server and marked.
import type { Nav } from "../nav";
import type { Cell } from "../wire/Cell";
import { reportYears } from "../core";
import { h, label } from "../ui";
import { deskHeader, errorBox } from "./desk";

type Table = { rows: Array<[string, Cell]>; total: Cell };
type Assessment = {
  reviews: Table;
  reviewed_percent: number | null;
  meetings: Array<{ school_id: string; school: string; held: number }>;
  complaints: Table;
  other_filings: Table;
  training: Table;
  threshold: number;
};
type AssessmentOut = { school_year: string; organization: string; made_at: string; assessment: Assessment; transparency: string };

function count(c: Cell): HTMLElement {
  if (c.count === null) return h("td", { class: "suppressed", "data-suppressed": "" }, h("span", { "aria-hidden": "true" }, "—"), h("span", { class: "sr-only" }, "suppressed"));
  return h("td", {}, String(c.count));
}

function table(caption: string, t: Table, key: string): HTMLElement {
  return h("table", { class: "data report", "data-table": key },
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, ""), h("th", { scope: "col" }, "Count"))),
    h("tbody", {}, t.rows.map(([name, c]) => h("tr", {}, h("th", { scope: "row" }, label(name)), count(c)))),
    h("tfoot", {}, h("tr", {}, h("th", { scope: "row" }, "Total"), count(t.total))));
}

export function assessmentScreen(app: Nav): HTMLElement {
  const session = app.session!;
  const out = h("div", { "aria-live": "polite" });
  const years = reportYears(5);
  const year = h("select", { id: "as-year" }, years.map((y) => h("option", { value: y }, y)));
  const path = () => `/api/v1/assessments/${encodeURIComponent(year.value)}`;
  const run = async () => {
    out.replaceChildren(h("p", { class: "loading", role: "status" }, "Counting…"));
    try {
      out.replaceChildren(render(await session.fetchJson<AssessmentOut>(path())));
    } catch (e) {
      out.replaceChildren(errorBox(e));
    }
  };
  const download = async () => {
    try {
      const blob = await session.fetchBlob(`${path()}?format=csv`, "text/csv");
      const a = h("a", { href: URL.createObjectURL(blob), download: `fieldlog-assessment-${year.value}.csv` });
      document.body.append(a);
      a.click();
      a.remove();
    } catch (e) {
      out.replaceChildren(errorBox(e));
    }
  };

  function render(r: AssessmentOut): HTMLElement {
    const a = r.assessment;
    return h("div", {},
      h("p", { role: "status" }, `${r.organization} · school year ${r.school_year} · made ${r.made_at.slice(0, 10)} and kept as first published. Counts from 1 to ${a.threshold - 1}, and counts that would let one be worked out, show as —.`),
      h("div", { class: "report-tables" },
        table(`Reviews: records that needed one, by finding${a.reviewed_percent === null ? "" : ` (${a.reviewed_percent}% reviewed)`}`, a.reviews, "reviews"),
        h("table", { class: "data report", "data-table": "meetings" },
          h("caption", {}, "Review meetings held, by school"),
          h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "School"), h("th", { scope: "col" }, "Meetings"))),
          h("tbody", {}, a.meetings.map((m) => h("tr", {}, h("th", { scope: "row" }, m.school), h("td", {}, String(m.held)))))),
        table("Complaints, by disposition", a.complaints, "complaints"),
        table("Compliments and feedback", a.other_filings, "other_filings"),
        table("Officers, by training standing on the year's last day", a.training, "training")),
      h("p", {}, h("a", { href: r.transparency }, `The ${r.school_year} transparency tables (public)`)));
  }

  const root = h("div", { class: "screen wide" }, deskHeader(app, "assessment", "Annual assessment"),
    h("form", { class: "controls", onsubmit: (e: Event) => { e.preventDefault(); void run(); } },
      h("label", { for: year.id }, "School year"), year,
      h("button", { type: "submit", class: "primary" }, "Show"),
      h("button", { type: "button", class: "secondary", onclick: () => void download() }, "Download CSV")),
    out);
  void run();
  return root;
}
