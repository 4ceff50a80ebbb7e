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
      row("Offense", r.offense),
      row("Role", r.sro_role && label(r.sro_role)),
      row("Students", r.students.map((s) => s.ref).join(", ")),
      row("Actions", r.actions.map(label).join(", ")),
      row("De-escalation", r.deescalation.map((d) => label(d.technique)).join(" → ")),
      row("Custody basis", r.custody?.basis),
      row("Probable cause", r.custody?.probable_cause),
      row("Why at school", r.custody?.why_at_school),
      row("Administrator directed it", r.custody?.directed_by_administrator == null ? null : r.custody.directed_by_administrator ? "Yes" : "No"),
      row("Removed from public view", r.custody?.removed_from_public_view && label(r.custody.removed_from_public_view)),
      row("Duration", r.custody?.duration_minutes == null ? null : `${r.custody.duration_minutes} min`),
      row("Guardian notified", r.custody?.guardian_notified_at && when(r.custody.guardian_notified_at)),
      row("Disability modifications", r.custody?.disability_modifications),
      row("Immediate risk", r.custody?.immediate_risk),
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
    r.status === "submitted" && !online ? h("button", { type: "button", class: "secondary", onclick: () => void app.go("form", id) }, "Amend") : "",
    r.amendments.length && !online ? earlierVersions(app, id) : "");
}

/**
 * Redaction (issue 16): an amended record's earlier versions stay in every
 * copy's history, the supervisor's too, until the officer removes them. The
 * server does it (`POST /incidents/{id}/redactions`); the next sync brings
 * every device the record's current version alone.
 */
function earlierVersions(app: App, id: string): HTMLElement {
  const session = app.session!;
  const status = h("p", { class: "help", role: "status" });
  const reason = h("textarea", { id: "redact-reason", rows: 2, maxlength: 1000 }) as HTMLTextAreaElement;
  const form = h("form", { class: "card", hidden: true, "aria-labelledby": "redact-h" },
    h("label", { for: "redact-reason" }, "Why remove them? (kept for auditors)"),
    reason,
    h("button", { type: "submit" }, "Remove earlier versions"));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    if (!reason.value.trim()) {
      status.textContent = "Say why, for the auditors.";
      return;
    }
    status.textContent = "Removing…";
    void (async () => {
      try {
        await session.fetchJson(`/api/v1/incidents/${id}/redactions`, { method: "POST", body: { reason: reason.value } });
        await session.sync();
        form.hidden = true;
        status.textContent = "Earlier versions removed from every copy. Devices drop them at their next sync.";
      } catch (err) {
        status.textContent = navigator.onLine ? `Not removed: ${err instanceof Error ? err.message : String(err)}` : "Not removed: this needs a connection.";
      }
    })();
  });
  return h("section", { class: "card", "aria-labelledby": "redact-h" },
    h("h2", { id: "redact-h" }, "Earlier versions"),
    h("p", { class: "help" }, "What the record said before each amendment is still in its history, on your devices and your supervisor's."),
    h("button", { type: "button", class: "secondary", onclick: () => { form.hidden = false; reason.focus(); } }, "Remove earlier versions…"),
    form,
    status);
}
