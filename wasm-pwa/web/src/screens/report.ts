// The analyst's disaggregated report (DOMAIN.md section 6): counts and rates
// by one or two dimensions from one source, small cells suppressed by the
// server and marked here, and downloads as CSV and in the CRDC's shape.
import type { Nav } from "../nav";
import type { Report } from "../api";
import type { Published } from "../wire/Published";
import type { Cell } from "../wire/Cell";
import { reportYears } from "../core";
import { h, label } from "../ui";
import { deskHeader, errorBox } from "./desk";

const DIMENSIONS = ["race_ethnicity", "sex", "age_band", "disability", "english_learner", "offense"];
const OUTCOMES = ["search", "citation", "referral_to_law_enforcement", "arrest", "restraint", "physical_restraint", "mechanical_restraint", "use_of_force"];

export function reportScreen(app: Nav): HTMLElement {
  const session = app.session!;
  const out = h("div", { "aria-live": "polite" });
  const sel = (id: string, options: string[], first?: string) =>
    h("select", { id }, first !== undefined ? h("option", { value: "" }, first) : "", options.map((o) => h("option", { value: o }, label(o))));
  const by = sel("by", DIMENSIONS);
  const by2 = sel("by2", DIMENSIONS, "(none)");
  const source = h("select", { id: "source" }, h("option", { value: "school_record" }, "School records"), h("option", { value: "perceived" }, "Officer's perception"));
  const outcome = sel("outcome", OUTCOMES, "Every outcome");
  // Reports cover whole, closed school years only, so that no two answers
  // can be differenced: the newest closed year first, then the four before.
  const years = reportYears(5);
  const year = h("select", { id: "r-year" }, years.map((y) => h("option", { value: y }, y)));
  const query = () => {
    const q = new URLSearchParams({ school_year: year.value, source: source.value, by: [by.value, by2.value].filter(Boolean).join(",") });
    if (outcome.value) q.set("outcome", outcome.value);
    return q;
  };
  const download = async (q: URLSearchParams, name: string) => {
    try {
      const blob = await session.fetchBlob(`/api/v1/reports/disaggregated?${q}`, "text/csv");
      const a = h("a", { href: URL.createObjectURL(blob), download: name });
      document.body.append(a);
      a.click();
      a.remove();
    } catch (e) {
      out.replaceChildren(errorBox(e));
    }
  };
  const run = async () => {
    out.replaceChildren(h("p", { class: "loading", role: "status" }, "Counting…"));
    try {
      out.replaceChildren(render(await session.fetchJson<Report>(`/api/v1/reports/disaggregated?${query()}`)));
    } catch (e) {
      out.replaceChildren(errorBox(e));
    }
  };
  const root = h("div", { class: "screen wide" }, deskHeader(app, "report", "Disaggregated report"),
    h("form", { class: "controls", onsubmit: (e: Event) => { e.preventDefault(); void run(); } },
      h("label", { for: by.id }, "By"), by, h("label", { for: by2.id }, "and by"), by2,
      h("label", { for: source.id }, "Demographics from"), source,
      h("label", { for: outcome.id }, "Outcome"), outcome,
      h("label", { for: year.id }, "School year"), year,
      h("button", { type: "submit", class: "primary" }, "Run report"),
      h("button", { type: "button", class: "secondary", onclick: () => void download(query(), "fieldlog-report.csv") }, "Download CSV"),
      h("button", { type: "button", class: "secondary", onclick: () => {
        const q = new URLSearchParams({ school_year: year.value, shape: "crdc" });
        void download(q, "fieldlog-crdc.csv");
      } }, "Download CRDC CSV")),
    h("p", { class: "help" }, "Counts are student interactions: one student in one submitted record. Perceived and school-record demographics are never mixed. Sexual orientation and gender identity are never reported."),
    out);

  function cell(c: Cell, rate?: number | null): HTMLElement {
    if (c.count === null) return h("td", { class: "suppressed", "data-suppressed": "" }, h("span", { "aria-hidden": "true" }, "—"), h("span", { class: "sr-only" }, "suppressed"));
    return h("td", {}, String(c.count), rate !== undefined && rate !== null ? h("span", { class: "rate" }, ` (${rate}/100)`) : "");
  }

  function table(r: Report, measure: string, p: Published, rates: Array<Array<number | null>> | null | undefined): HTMLElement {
    const two = r.cols.length > 1;
    return h("table", { class: "data report", "data-measure": measure },
      h("caption", {}, label(measure)),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, label(r.by[0] ?? "")), two ? r.cols.map((c) => h("th", { scope: "col" }, label(c))) : h("th", { scope: "col" }, "Count"), h("th", { scope: "col" }, "Total"))),
      h("tbody", {}, r.rows.map((row, i) => h("tr", {}, h("th", { scope: "row" }, label(row)),
        p.cells[i]!.map((c, k) => cell(c, rates?.[i]?.[k])),
        cell(p.row_totals ? p.row_totals[i]! : p.cells[i]![0]!)))),
      h("tfoot", {}, h("tr", {}, h("th", { scope: "row" }, "Total"), two ? p.col_totals.map((c) => cell(c)) : cell(p.total), cell(p.total))));
  }

  function render(r: Report): HTMLElement {
    const hidden = r.tables.reduce((n, t) => n + (t.published as unknown as Published).cells.flat().filter((c) => c.suppressed).length, 0);
    return h("div", {},
      h("p", { role: "status" }, `${label(r.source)} · school year ${r.school_year} · `,
        h("strong", {}, `${hidden} cells suppressed`), ` (counts from 1 to ${r.threshold - 1}, and cells that would let one be worked out, show as —)`),
      h("div", { class: "report-tables" }, r.tables.map((t) => table(r, t.measure, t.published as unknown as Published, t.rates_per_100))));
  }

  void run();
  return root;
}
