// A record read-only, with the core's flags and the supervisor's reviews.
// A record older than the phone's window is read from the server instead
// (the same fields, with the server's flags and reviews).
import { flags, type Flag, type IncidentRecord, type Review } from "../core";
import type { App } from "../app";
import { h, label, when } from "../ui";
import { stateBadge } from "./list";

/** `GET /incidents/{id}`: the record as the officer's view shows it. */
export type OnlineRecord = IncidentRecord & { flags: Flag[]; reviews?: Review[] };

export function detailScreen(app: App, id: string, online?: OnlineRecord): HTMLElement {
  const session = app.session!;
  const r = online ?? session.record(id);
  if (!r) return h("div", { class: "screen" }, h("p", {}, "This record is not on this phone."));
  const reviews = online ? (online.reviews ?? []) : session.reviews(id);
  const row = (k: string, v: unknown) => (v === null || v === undefined || v === "" ? "" : h("div", { class: "kv" }, h("dt", {}, k), h("dd", {}, String(v))));
  return h("div", { class: "screen" },
    h("header", { class: "bar" },
      h("button", { type: "button", class: "secondary", onclick: () => void app.go("list") }, "← Records"),
      h("h1", {}, label(r.category ?? "Record"))),
    online ? h("span", { class: "badge synced", "data-state": "online" }, "On the server, not on this phone") : stateBadge(session.state(id)),
    h("dl", { class: "card" },
      row("When", when(r.occurred_at)),
      row("Where", r.location && label(r.location)),
      row("Started by", r.initiated_by && label(r.initiated_by)),
      row("Asked by", r.request?.staff_role && label(r.request.staff_role)),
      row("Request", r.request?.reason),
      row("Would have needed 911", r.would_warrant_911 === null ? null : r.would_warrant_911 ? "Yes" : "No"),
      row("Role", r.sro_role && label(r.sro_role)),
      row("Students", r.students.map((s) => s.ref).join(", ")),
      row("Actions", r.actions.map(label).join(", ")),
      row("De-escalation", r.deescalation.map((d) => label(d.technique)).join(" → ")),
      row("Custody basis", r.custody?.basis),
      row("Why at school", r.custody?.why_at_school),
      row("Narrative", r.narrative),
      r.amendments.length ? row("Amendments", r.amendments.map((a) => `${when(a.at)}: ${a.reason}`).join("; ")) : ""),
    (() => {
      const f = online ? online.flags : flags(r);
      return f.length
        ? h("section", { class: "card", "aria-labelledby": "flags-h" }, h("h2", { id: "flags-h" }, "Flags for review"), h("ul", {}, f.map((x) => h("li", {}, x.reason))))
        : "";
    })(),
    h("section", { class: "card review", "aria-labelledby": "reviews-h" },
      h("h2", { id: "reviews-h" }, "Supervisor's review"),
      reviews.length
        ? h("ul", { class: "reviews" }, reviews.map((rv) =>
            h("li", { "data-review": rv.id },
              h("p", {}, h("strong", {}, label(rv.finding)), ` · ${when(rv.at)}`),
              rv.notes ? h("p", {}, rv.notes) : "",
              rv.follow_up ? h("p", {}, `Follow-up: ${rv.follow_up}`) : "")))
        : h("p", { class: "help" }, "Not reviewed yet. Reviews appear here, read-only, when your supervisor adds them.")),
    r.status === "submitted" && !online ? h("button", { type: "button", class: "secondary", onclick: () => void app.go("form", id) }, "Amend") : "");
}
