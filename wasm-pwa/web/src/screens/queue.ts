// The supervisor's twice-yearly review queue (DOMAIN.md section 4): flagged
// records first with each flag's reason, a review form per record, the
// officers' lines with the outlier flag, and the period's meetings. A desk
// screen: online only, nothing kept on the device.
import type { Nav } from "../nav";
import type { Meeting, Periods, Queue, QueueItem } from "../api";
import { h, label, when } from "../ui";
import { deskHeader, errorBox, trainingStanding } from "./desk";
import { recordParts, type OnlineRecord } from "./detail";
import { historySection, type HistoryEntry } from "./history";

const FINDINGS = ["appropriate", "training_need", "policy_concern", "referred_for_investigation"] as const;

export function queueScreen(app: Nav, period?: string): HTMLElement {
  const session = app.session!;
  const body = h("div", { class: "loading", role: "status" }, "Loading the queue…");
  const root = h("div", { class: "screen wide" }, deskHeader(app, "queue", "Review queue"), body);
  const load = async (p?: string) => {
    try {
      const [q, periods] = await Promise.all([
        session.fetchJson<Queue>(`/api/v1/reviews/queue${p ? `?period=${encodeURIComponent(p)}` : ""}`),
        session.fetchJson<Periods>("/api/v1/review-periods"),
      ]);
      body.replaceWith(render(q, periods));
    } catch (e) {
      body.replaceChildren(errorBox(e));
    }
  };

  function render(q: Queue, periods: Periods): HTMLElement {
    const picker = h("select", { id: "period", onchange: (e: Event) => void app.go("queue", (e.target as HTMLSelectElement).value) },
      periods.recent.map((p) => h("option", { value: p.id, selected: p.id === q.period.id }, p.id)));
    const pr = q.progress;
    return h("div", { class: "desk" },
      h("div", { class: "controls" },
        h("label", { for: "period" }, "Period"), picker,
        h("p", { class: "progress", role: "status", "data-progress": "" },
          `${pr.reviewed} reviewed · ${pr.remaining} still in queue`,
          pr.overdue ? h("strong", { class: "overdue" }, ` · ${pr.overdue} overdue`) : "",
          ` · period ${when(q.period.start)} to ${when(q.period.end)}${q.period.ended ? " (ended)" : ""}`)),
      h("section", { "aria-labelledby": "officers-h" },
        h("h2", { id: "officers-h" }, "Your officers"),
        h("p", { class: "help" }, `Arrests + citations + searches + seizures per 100 interactions; the agency median is ${q.median_per_100.toFixed(1)}. An officer is flagged above twice the median, with at least ${q.outlier_min_interactions} interactions and ${q.outlier_min_actions} such actions.`),
        h("table", { class: "data" },
          h("thead", {}, h("tr", {}, ["Officer", "Interactions", "Arrests, citations, searches", "Per 100", "Flag", "Training"].map((c) => h("th", { scope: "col" }, c)))),
          h("tbody", {}, q.officers.map((o) => h("tr", { class: o.flag ? "flagged" : "" },
            h("th", { scope: "row" }, o.username || o.officer_id.slice(0, 8)),
            h("td", {}, o.interactions), h("td", {}, o.enforcement), h("td", {}, o.per_100.toFixed(1)),
            h("td", {}, o.flag ? h("span", { class: "flag" }, o.flag.reason) : "—"),
            h("td", { "data-training": "" }, trainingStanding(o.training))))))),
      h("section", { "aria-labelledby": "items-h" },
        h("h2", { id: "items-h" }, `Records to review (${q.items.length})`),
        q.items.length ? h("ul", { class: "queue" }, q.items.map((i) => item(i, q))) : h("p", { class: "help" }, "Nothing in this period's queue.")),
      meetings(q));
  }

  function item(i: QueueItem, q: Queue): HTMLElement {
    const li = h("li", { class: `queue-item ${i.flags.length ? "has-flags" : ""}`, "data-item": i.id, "data-state": i.state },
      h("div", { class: "item-head" },
        h("strong", {}, `${i.officer_username} · ${label(i.category ?? "unspecified")} · ${when(i.occurred_at)}`),
        h("span", { class: `badge ${i.state}` }, i.state === "in_queue" ? "In queue" : label(i.state))),
      h("p", { class: "record-meta" }, `Actions: ${i.actions.map(label).join(", ") || "none"} · school ${q.schools.find((s) => s.id === i.school_id)?.name ?? "—"}`),
      i.flags.length
        ? h("ul", { class: "flags", "aria-label": "Flags" }, i.flags.map((f) => h("li", { class: "flag", "data-flag": f.code }, h("strong", {}, label(f.code)), ": ", f.reason)))
        : h("p", { class: "help" }, "No flag: in the queue for what was done."),
      i.reviews ? h("p", {}, `${i.reviews} review${i.reviews > 1 ? "s" : ""} · last finding: ${label(i.last_finding ?? "")}`) : "",
      h("div", { class: "actions" },
        h("button", { type: "button", class: "secondary", "aria-expanded": "false", onclick: (e: Event) => toggleRecord(li, i, e.currentTarget as HTMLButtonElement) }, "Open record"),
        h("button", { type: "button", class: "secondary", onclick: () => li.append(reviewForm(i, q.note_max_chars)) }, i.reviews ? "Add a review" : "Review")));
    return li;
  }

  // The record in full, as the supervisor's view shows it, with its history:
  // what a review evaluates (003 p6), one click from the queue.
  function toggleRecord(li: HTMLElement, i: QueueItem, button: HTMLButtonElement): void {
    const open = li.querySelector<HTMLElement>(".record-panel");
    if (open) {
      open.remove();
      button.setAttribute("aria-expanded", "false");
      button.textContent = "Open record";
      return;
    }
    const panel = h("div", { class: "record-panel", "data-record": i.id }, h("p", { class: "help", role: "status" }, "Loading the record…"));
    button.after(panel);
    button.setAttribute("aria-expanded", "true");
    button.textContent = "Close record";
    session.fetchJson<OnlineRecord>(`/api/v1/incidents/${i.id}`).then((r) => {
      panel.replaceChildren(
        ...recordParts(r, r.flags, r.reviews ?? [], "No review yet."),
        historySection(() => session.fetchJson<HistoryEntry[]>(`/api/v1/incidents/${i.id}/history`)));
    }, (e: unknown) => panel.replaceChildren(errorBox(e)));
  }

  function reviewForm(i: QueueItem, max: number): HTMLElement {
    const name = `finding-${i.id}`;
    const notes = h("textarea", { id: `notes-${i.id}`, rows: 3, maxlength: max });
    const follow = h("textarea", { id: `follow-${i.id}`, rows: 2, maxlength: max });
    const problem = h("p", { class: "problem", role: "alert" });
    const form = h("form", { class: "card review-form", onsubmit: async (e: Event) => {
      e.preventDefault();
      const finding = (form.querySelector(`input[name="${name}"]:checked`) as HTMLInputElement | null)?.value;
      if (!finding) {
        problem.textContent = "Choose a finding.";
        return;
      }
      try {
        await session.fetchJson("/api/v1/reviews", { method: "POST", body: { incident_id: i.id, finding, notes: notes.value || null, follow_up: follow.value || null } });
        void app.go("queue", period);
      } catch (err) {
        problem.textContent = err instanceof Error ? err.message : String(err);
      }
    } },
      h("fieldset", { class: "field" }, h("legend", {}, "Finding"),
        h("div", { class: "chip-row" }, FINDINGS.map((f) => h("span", { class: "chip" },
          h("input", { type: "radio", name, id: `${name}-${f}`, value: f }), h("label", { for: `${name}-${f}` }, label(f)))))),
      h("label", { for: notes.id }, "Notes"), notes,
      h("label", { for: follow.id }, "Follow-up"), follow,
      problem,
      h("p", { class: "help" }, "A review is kept as written; a later review adds to it and never replaces it. The officer sees it on their phone."),
      h("button", { type: "submit", class: "primary" }, "Save review"));
    return form;
  }

  function meetings(q: Queue): HTMLElement {
    const list = q.meetings.map((m: Meeting) => h("li", { "data-meeting": m.id },
      `${m.held_on} at ${q.schools.find((s) => s.id === m.school_id)?.name ?? "a school"}: `,
      m.attendees.map((a) => `${a.name} (${label(a.role)})`).join(", ")));
    const rows = h("div", { class: "attendees" });
    const addRow = (role = "sro") => {
      const i = rows.children.length;
      rows.append(h("div", { class: "pair" },
        h("span", {}, h("label", { for: `att-name-${i}` }, `Attendee ${i + 1}`), h("input", { id: `att-name-${i}`, class: "att-name" })),
        h("span", {}, h("label", { for: `att-role-${i}` }, "Role"),
          h("select", { id: `att-role-${i}`, class: "att-role" }, ["supervisor", "sro", "school_administrator", "other"].map((r) => h("option", { value: r, selected: r === role }, label(r)))))));
    };
    addRow("supervisor");
    addRow("sro");
    addRow("school_administrator");
    const date = h("input", { id: "meeting-date", type: "date", value: new Date().toISOString().slice(0, 10) });
    const school = h("select", { id: "meeting-school" }, q.schools.map((s) => h("option", { value: s.id }, s.name)));
    const notes = h("textarea", { id: "meeting-notes", rows: 2, maxlength: q.note_max_chars });
    const problem = h("p", { class: "problem", role: "alert" });
    return h("section", { "aria-labelledby": "meetings-h" },
      h("h2", { id: "meetings-h" }, "Review meetings this period"),
      list.length ? h("ul", {}, list) : h("p", { class: "help" }, "No meeting recorded yet. Supervisors meet with the SRO and the school administrator at least twice a year."),
      h("form", { class: "card", onsubmit: async (e: Event) => {
        e.preventDefault();
        const attendees = [...rows.children].map((r) => ({
          name: (r.querySelector(".att-name") as HTMLInputElement).value,
          role: (r.querySelector(".att-role") as HTMLSelectElement).value,
        })).filter((a) => a.name.trim());
        try {
          await session.fetchJson("/api/v1/reviews/meetings", { method: "POST", body: { period: q.period.id, held_on: date.value, school_id: school.value, attendees, notes: notes.value || null } });
          void app.go("queue", q.period.id);
        } catch (err) {
          problem.textContent = err instanceof Error ? err.message : String(err);
        }
      } },
        h("h3", {}, "Record a meeting"),
        h("div", { class: "pair" }, h("span", {}, h("label", { for: date.id }, "Held on"), date), h("span", {}, h("label", { for: school.id }, "School"), school)),
        rows,
        h("button", { type: "button", class: "secondary", onclick: () => addRow("other") }, "+ Attendee"),
        h("label", { for: notes.id }, "Notes"), notes,
        problem,
        h("button", { type: "submit", class: "primary" }, "Save meeting")));
  }

  void load(period);
  return root;
}
