// A record read-only, with the core's flags and the supervisor's reviews.
// A record older than the phone's window is read from the server instead
// (the same fields, with the server's flags and reviews).
import { flags, vocabulary, type Flag, type IncidentRecord, type Review } from "../core";
import type { Nav } from "../nav";
import { h, label, when } from "../ui";
import { stateBadge } from "./list";
import { historySection, type HistoryEntry } from "./history";

/** `GET /incidents/{id}`: the record as the officer's view shows it. */
export type OnlineRecord = IncidentRecord & { flags: Flag[]; reviews?: Review[] };

export function detailScreen(app: Nav, id: string, online?: OnlineRecord): HTMLElement {
  const session = app.session!;
  const r = online ?? session.record(id);
  if (!r) return h("div", { class: "screen" }, h("p", {}, "This record is not on this phone."));
  const reviews = online ? (online.reviews ?? []) : session.reviews(id);
  return h("div", { class: "screen" },
    h("header", { class: "bar" },
      h("button", { type: "button", class: "secondary", onclick: () => void app.go("list") }, "← Records"),
      h("h1", {}, label(r.category ?? "Record"))),
    online ? h("span", { class: "badge synced", "data-state": "online" }, "On the server, not on this phone") : stateBadge(session.state(id)),
    ...recordParts(r, online ? online.flags : flags(r), reviews, "Not reviewed yet. Reviews appear here, read-only, when your supervisor adds them."),
    // The history lives on the server (every device's steps): once the
    // record has reached it, read it there when opened.
    online || session.state(id).kind === "synced" ? historySection(() => session.fetchJson<HistoryEntry[]>(`/api/v1/incidents/${id}/history`)) : "",
    r.status === "submitted" && !online ? h("button", { type: "button", class: "secondary", onclick: () => void app.go("form", id) }, "Amend") : "",
    r.amendments.length && !online ? earlierVersions(app, id) : "");
}

/**
 * Redaction (issue 16): an amended record's earlier versions stay in every
 * copy's history, the supervisor's too, until the officer removes them. The
 * server does it (`POST /incidents/{id}/redactions`); the next sync brings
 * every device the record's current version alone.
 */
function earlierVersions(app: Nav, id: string): HTMLElement {
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

/**
 * The record as a card, then its flags, then its reviews: the officer's
 * detail screen and the supervisor's queue show the same parts.
 */
const yesNo = (x: boolean | null | undefined) => (x == null ? "not said" : x ? "yes" : "no");

export function recordParts(r: IncidentRecord, f: Flag[], reviews: Review[], none: string): Array<HTMLElement | string> {
  const row = (k: string, v: unknown) => (v === null || v === undefined || v === "" ? "" : h("div", { class: "kv" }, h("dt", {}, k), h("dd", {}, String(v))));
  return [
    h("dl", { class: "card" },
      row("When", when(r.occurred_at)),
      row("Where", r.location && label(r.location)),
      row("Started by", r.initiated_by && label(r.initiated_by)),
      row("Asked by", r.request?.staff_role && label(r.request.staff_role)),
      row("Request", r.request?.reason),
      row("Would have needed 911", r.would_warrant_911 === null ? null : r.would_warrant_911 ? "Yes" : "No"),
      row("Offense", r.offense_code && `${label(r.offense_code)}${r.offense_severity ? ` (${r.offense_severity})` : ""}`),
      row(r.offense_code ? "Offense details" : "Offense", r.offense),
      row("Role", r.sro_role && label(r.sro_role)),
      row("Students", r.students.map((s) => s.ref).join(", ")),
      row("Actions", r.actions.map(label).join(", ")),
      r.deescalation.length
        ? h("div", { class: "kv" }, h("dt", {}, "De-escalation"),
            h("dd", {}, h("ol", { class: "timeline" }, r.deescalation.map((d) => h("li", {},
              d.at ? `${when(d.at)} · ` : "",
              label(d.technique),
              d.effective == null ? "" : d.effective ? " · it worked" : " · it did not work",
              d.note ? ` · ${d.note}` : "")))))
        : "",
      row("Custody basis", r.custody?.basis),
      row("Probable cause", r.custody?.probable_cause),
      row("Why at school", r.custody?.why_at_school),
      row("Administrator directed it", r.custody?.directed_by_administrator == null ? null : r.custody.directed_by_administrator ? "Yes" : "No"),
      row("Removed from public view", r.custody?.removed_from_public_view && label(r.custody.removed_from_public_view)),
      row("Duration", r.custody?.duration_minutes == null ? null : `${r.custody.duration_minutes} min`),
      row("Guardian notified", r.custody?.guardian_notified_at && when(r.custody.guardian_notified_at)),
      row("Guardian not notified because", r.custody?.guardian_not_notified_reason),
      row("Questioned", r.interrogation && (r.interrogation.questioned ? `Yes · rights advised: ${yesNo(r.interrogation.rights_advised)} · guardian present: ${yesNo(r.interrogation.guardian_present)}` : "No")),
      row("Legal basis", r.search_basis && Object.entries(r.search_basis).filter(([, b]) => b).map(([a, b]) => `${label(a)}: ${label(String(b))}`).join("; ")),
      row("Charges", r.charges && (r.charges.filed ? `Filed or referred${r.charges.court ? ` · ${label(r.charges.court)}` : ""}` : "None filed")),
      row("In the vehicle out of peers' view", r.transport_out_of_view && label(r.transport_out_of_view)),
      row("Why late", r.late_reason),
      row("Rules", r.status === "submitted" && (r.rules_version ?? 1) < vocabulary().rules_version ? `Submitted under the rules of version ${r.rules_version ?? 1}, before later questions were asked` : null),
      row("Disability modifications", r.custody?.disability_modifications),
      row("Immediate risk", r.custody?.immediate_risk),
      row("Narrative", r.narrative),
      r.amendments.length ? row("Amendments", r.amendments.map((a) => `${when(a.at)}: ${a.reason}`).join("; ")) : ""),
    f.length
      ? h("section", { class: "card", "aria-labelledby": `flags-h-${r.id}` }, h("h2", { id: `flags-h-${r.id}` }, "Flags for review"), h("ul", {}, f.map((x) => h("li", { "data-flag": x.code }, x.reason))))
      : "",
    h("section", { class: "card review", "aria-labelledby": `reviews-h-${r.id}` },
      h("h2", { id: `reviews-h-${r.id}` }, "Supervisor's review"),
      reviews.length
        ? h("ul", { class: "reviews" }, reviews.map((rv) =>
            h("li", { "data-review": rv.id },
              h("p", {}, h("strong", {}, label(rv.finding)), ` · ${when(rv.at)}`),
              rv.notes ? h("p", {}, rv.notes) : "",
              rv.follow_up ? h("p", {}, `Follow-up: ${rv.follow_up}`) : "")))
        : h("p", { class: "help" }, none)),
  ];
}
