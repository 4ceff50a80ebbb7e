// Complaints, compliments and feedback from the public (issue 21): command
// staff see their agency's, assign them to an investigator with the officers
// they concern, record a finding and close them; an investigator sees the
// ones assigned to them and adds notes and a finding. Every rule (who sees
// the complainant, what may follow what) is the server's; this screen shows
// its answers and offers what the caller's grants allow.
import type { Nav } from "../nav";
import type { ComplaintLine, ComplaintOut, People } from "../api";
import { h, label, when } from "../ui";
import { deskHeader, errorBox } from "./desk";

const FINDINGS = ["sustained", "not_sustained", "exonerated", "unfounded", "policy_failure"];

export function complaintsScreen(app: Nav, open?: string): HTMLElement {
  const session = app.session!;
  const manages = (session.user.actions ?? []).includes("manage_complaints");
  const out = h("div", { "aria-live": "polite" });
  const notice = h("div", { role: "status" });
  let people: People = { investigators: [], officers: [] };

  const loadList = async () => {
    try {
      const lines = await session.fetchJson<ComplaintLine[]>("/api/v1/complaints");
      out.replaceChildren(list(lines));
    } catch (e) {
      out.replaceChildren(errorBox(e));
    }
  };

  const loadOne = async (id: string) => {
    try {
      if (manages && people.investigators.length === 0) people = await session.fetchJson<People>("/api/v1/complaints/people");
      out.replaceChildren(detail(await session.fetchJson<ComplaintOut>(`/api/v1/complaints/${encodeURIComponent(id)}`)));
    } catch (e) {
      out.replaceChildren(errorBox(e));
    }
  };

  const send = async (id: string, body: Record<string, unknown>, done: string) => {
    try {
      const after = await session.fetchJson<ComplaintOut>(`/api/v1/complaints/${encodeURIComponent(id)}/events`, { method: "POST", body });
      notice.replaceChildren(h("p", { class: "ok" }, done));
      out.replaceChildren(detail(after));
    } catch (e) {
      notice.replaceChildren(errorBox(e));
    }
  };

  function list(lines: ComplaintLine[]): HTMLElement {
    if (lines.length === 0) return h("p", {}, "No complaints, compliments or feedback to handle.");
    return h("div", { class: "scroll-x" },
      h("table", { class: "data" },
        h("caption", { class: "sr-only" }, "Complaints and feedback, newest first"),
        h("thead", {}, h("tr", {}, ["Received", "Kind", "Status", "Due", "Finding", ""].map((c) => h("th", { scope: "col" }, c)))),
        h("tbody", {}, lines.map((l) => h("tr", { "data-complaint": l.id },
          h("td", {}, when(l.received_at)),
          h("td", {}, label(l.kind)),
          h("td", {}, label(l.status)),
          h("td", {}, l.due_on, l.overdue ? h("span", { class: "badge warn" }, " overdue") : ""),
          h("td", {}, l.finding ? label(l.finding) : "—"),
          h("td", {}, h("button", { type: "button", class: "secondary", onclick: () => void app.go("complaints", l.id) }, "Open")))))));
  }

  function detail(c: ComplaintOut): HTMLElement {
    const open = c.status !== "closed";
    const facts: Array<[string, string]> = [
      ["Kind", label(c.kind)],
      ["Status", label(c.status)],
      ["Received", when(c.received_at)],
      ["Due", `${c.due_on}${c.overdue ? " (overdue)" : ""}`],
      ["Incident date", c.incident_date ?? "—"],
      ["Investigator", c.investigator?.username ?? "—"],
      ["Officers it concerns", c.officers.map((o) => o.username).join(", ") || "—"],
      ["Finding", c.finding ? label(c.finding) : "—"],
    ];
    const contact = c.contact as { name?: string; email?: string; phone?: string } | undefined;
    const about = c.complainant as Record<string, string | number | boolean> | undefined;
    return h("article", { class: "card", "data-complaint-detail": c.id },
      h("button", { type: "button", class: "secondary", onclick: () => void app.go("complaints") }, "← All complaints"),
      h("dl", {}, facts.map(([k, v]) => h("div", { class: "kv" }, h("dt", {}, k), h("dd", {}, v)))),
      c.view === "without_complainant"
        ? h("p", { class: "warn" }, "This complaint concerns you: what the filer wrote and who they are are not shown to you.")
        : [
          h("h2", {}, "What they wrote"),
          c.officer_description ? h("p", {}, h("strong", {}, "Officer: "), c.officer_description) : "",
          h("p", { class: "narrative" }, c.description ?? ""),
          h("h2", {}, "The filer"),
          contact
            ? h("dl", { "data-contact": "" }, Object.entries(contact).map(([k, v]) => h("div", { class: "kv" }, h("dt", {}, label(k)), h("dd", {}, String(v)))))
            : h("p", {}, "No contact details given: no reply is possible."),
          about ? h("p", {}, "Volunteered: ", Object.entries(about).map(([k, v]) => `${label(k)}: ${v === true ? "yes" : v === false ? "no" : label(String(v))}`).join(", ")) : "",
        ],
      h("h2", {}, "Handling"),
      c.events.length === 0 ? h("p", {}, "Nothing yet.") : h("ol", { class: "timeline" }, c.events.map((e) => {
        const ev = e.event as unknown as { kind: string; text?: string; finding?: string; investigator_id?: string };
        return h("li", {},
          h("strong", {}, label(ev.kind)), ` by ${e.by.username}, ${when(e.at)}`,
          ev.finding ? `: ${label(ev.finding)}` : "",
          ev.text ? h("p", {}, ev.text) : "");
      })),
      open ? actions(c) : "");
  }

  function actions(c: ComplaintOut): HTMLElement {
    const forms: HTMLElement[] = [];
    if (manages) {
      const who = h("select", { id: "c-investigator", required: true },
        h("option", { value: "" }, "Choose…"),
        people.investigators.map((p) => h("option", { value: p.id }, p.display_name ? `${p.display_name} (${p.username})` : p.username)));
      const officer = h("select", { id: "c-officer" },
        h("option", { value: "" }, "None named"),
        people.officers.map((p) => h("option", { value: p.id }, p.display_name ? `${p.display_name} (${p.username})` : p.username)));
      const due = h("input", { id: "c-due", type: "date" });
      forms.push(h("form", { class: "stack", "aria-labelledby": "assign-h", onsubmit: (e: Event) => {
        e.preventDefault();
        void send(c.id, { kind: "assigned", investigator_id: who.value, officer_ids: officer.value ? [officer.value] : [], due_on: due.value || undefined }, "Assigned.");
      } },
      h("h3", { id: "assign-h" }, c.investigator ? "Reassign" : "Assign"),
      h("label", { for: "c-investigator" }, "Investigator"), who,
      h("label", { for: "c-officer" }, "Officer it concerns"), officer,
      h("label", { for: "c-due" }, "Due (optional)"), due,
      h("button", { type: "submit", class: "primary" }, "Assign")));
    }
    const note = h("textarea", { id: "c-note", rows: 3, required: true });
    forms.push(h("form", { class: "stack", "aria-labelledby": "note-h", onsubmit: (e: Event) => {
      e.preventDefault();
      void send(c.id, { kind: "note", text: note.value }, "Note added.");
    } },
    h("h3", { id: "note-h" }, "Add a note"),
    h("label", { for: "c-note" }, "Note"), note,
    h("button", { type: "submit", class: "secondary" }, "Add the note")));
    if (c.kind === "complaint" && c.status === "assigned") {
      const finding = h("select", { id: "c-finding", required: true }, h("option", { value: "" }, "Choose…"), FINDINGS.map((f) => h("option", { value: f }, label(f))));
      const why = h("textarea", { id: "c-why", rows: 3, required: true });
      forms.push(h("form", { class: "stack", "aria-labelledby": "finding-h", onsubmit: (e: Event) => {
        e.preventDefault();
        void send(c.id, { kind: "finding", finding: finding.value, text: why.value }, "Finding recorded.");
      } },
      h("h3", { id: "finding-h" }, "Record the finding"),
      h("label", { for: "c-finding" }, "Finding"), finding,
      h("label", { for: "c-why" }, "Why"), why,
      h("button", { type: "submit", class: "secondary" }, "Record the finding")));
    }
    if (manages) {
      const closing = h("textarea", { id: "c-closing", rows: 2 });
      forms.push(h("form", { class: "stack", "aria-labelledby": "close-h", onsubmit: (e: Event) => {
        e.preventDefault();
        void send(c.id, { kind: "closed", text: closing.value.trim() || undefined }, "Closed.");
      } },
      h("h3", { id: "close-h" }, "Close"),
      h("label", { for: "c-closing" }, "Closing note (optional)"), closing,
      h("button", { type: "submit", class: "primary" }, "Close the complaint")));
    }
    return h("section", { "aria-label": "Actions" }, forms);
  }

  const root = h("div", { class: "screen wide" }, deskHeader(app, "complaints", "Complaints"),
    h("p", {}, "From the public form at ", h("a", { href: "/public/complaints" }, "/public/complaints"), ". Each read of a complaint is in the access log."),
    notice, out);
  void (open ? loadOne(open) : loadList());
  return root;
}
