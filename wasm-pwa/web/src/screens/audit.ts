// The auditor's access log (issue 18): who read what, narrowed by user,
// record, student entry, event and dates; a check of the chain that says
// its result in words; and the same entries as CSV. Reading the log is
// itself logged by the server.
import type { Nav } from "../nav";
import type { LoggedEntry, Verification } from "../api";
import { h, label, when } from "../ui";
import { deskHeader, errorBox } from "./desk";

const EVENTS = ["read_record", "sync_pull", "read_history", "read_report", "read_overcalling", "login", "login_failed",
  "redact", "admin_add_user", "admin_change_user", "admin_assign_user", "admin_invite", "invite_redeemed", "read_audit_log"];

/** A local date (YYYY-MM-DD) as the RFC 3339 instant of its midnight here. */
function midnight(day: string): string | undefined {
  if (!day) return undefined;
  const d = new Date(`${day}T00:00`);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

export function auditScreen(app: Nav): HTMLElement {
  const session = app.session!;
  const input = (id: string, type = "text", placeholder = "") => h("input", { id, type, placeholder, autocomplete: "off" });
  const from = input("a-from", "date");
  const to = input("a-to", "date");
  const user = input("a-user", "text", "user id");
  const record = input("a-record", "text", "record id");
  const student = input("a-student", "text", "student entry key");
  const event = h("select", { id: "a-event" }, h("option", { value: "" }, "Every event"), EVENTS.map((e) => h("option", { value: e }, label(e))));
  const out = h("div", { "aria-live": "polite" });
  const verdict = h("p", { role: "status", "data-verdict": "" });
  let after = 0;

  const query = (format?: string) => {
    const q = new URLSearchParams();
    const set = (k: string, v: string | undefined) => { if (v) q.set(k, v.trim()); };
    set("from", midnight(from.value));
    // Through the day chosen: up to the next midnight.
    if (to.value) {
      const end = new Date(`${to.value}T00:00`);
      end.setDate(end.getDate() + 1);
      if (!Number.isNaN(end.getTime())) q.set("to", end.toISOString());
    }
    set("user_id", user.value);
    set("record_id", record.value);
    set("student_key", student.value);
    set("event", event.value);
    if (after) q.set("after", String(after));
    if (format) q.set("format", format);
    return q;
  };

  const run = async (page: number) => {
    after = page;
    out.replaceChildren(h("p", { class: "loading", role: "status" }, "Reading the log…"));
    try {
      out.replaceChildren(render(await session.fetchJson<LoggedEntry[]>(`/api/v1/audit?${query()}`)));
    } catch (e) {
      out.replaceChildren(errorBox(e));
    }
  };

  const verify = async () => {
    verdict.textContent = "Checking every entry…";
    try {
      const v = await session.fetchJson<Verification>("/api/v1/audit/verify");
      verdict.className = v.ok ? "ok" : "warn";
      verdict.textContent = v.ok
        ? `The log is intact: all ${v.entries} entries check out against the chain and its signed checkpoints.`
        : `The log has been tampered with or damaged at entry ${v.broken_at ?? "?"}: ${v.problem ?? "it does not verify"}.`;
    } catch (e) {
      verdict.textContent = e instanceof Error ? e.message : String(e);
    }
  };

  const download = async () => {
    try {
      const blob = await session.fetchBlob(`/api/v1/audit?${query("csv")}`, "text/csv");
      const a = h("a", { href: URL.createObjectURL(blob), download: "fieldlog-access-log.csv" });
      document.body.append(a);
      a.click();
      a.remove();
    } catch (e) {
      out.replaceChildren(errorBox(e));
    }
  };

  function render(entries: LoggedEntry[]): HTMLElement {
    if (entries.length === 0) return h("p", {}, "No entries match.");
    const byUser = (id: string | null | undefined) => () => {
      user.value = id ?? "";
      void run(0);
    };
    const last = entries[entries.length - 1]!.seq;
    return h("div", {},
      h("p", {}, `${entries.length} entries${entries.length === 1000 ? " (the first 1,000; the next page continues)" : ""}.`),
      h("div", { class: "scroll-x" },
        h("table", { class: "data log" },
          h("caption", { class: "sr-only" }, "Access log entries, oldest first"),
          h("thead", {}, h("tr", {}, ["When", "Who", "Role", "What", "Record", "Fields disclosed", "Why"].map((c) => h("th", { scope: "col" }, c)))),
          h("tbody", {}, entries.map((e) => h("tr", { "data-seq": e.seq },
            h("td", {}, when(e.at)),
            h("td", {}, e.user
              ? h("button", { type: "button", class: "link", title: "Only this user's entries", onclick: byUser(e.user) }, e.username ?? e.user)
              : "—"),
            h("td", {}, e.role ? label(e.role) : ""),
            h("td", {}, label(e.event)),
            h("td", { class: "mono" }, e.record ?? ""),
            h("td", {}, e.fields.join(", ")),
            h("td", {}, e.purpose)))))),
      entries.length === 1000 ? h("button", { type: "button", class: "secondary", onclick: () => void run(last) }, "Next page") : "");
  }

  const field = (el: HTMLElement & { id: string }, text: string) => [h("label", { for: el.id }, text), el];
  const root = h("div", { class: "screen wide" }, deskHeader(app, "audit", "Access log"),
    h("section", { "aria-labelledby": "verify-h" },
      h("h2", { id: "verify-h" }, "Is the log intact?"),
      h("button", { type: "button", class: "secondary", onclick: () => void verify() }, "Verify the log"),
      verdict),
    h("form", { class: "controls", onsubmit: (e: Event) => { e.preventDefault(); void run(0); } },
      field(from, "From"), field(to, "Through"), field(user, "User"), field(record, "Record"),
      field(student, "Student entry"), field(event, "Event"),
      h("button", { type: "submit", class: "primary" }, "Show entries"),
      h("button", { type: "button", class: "secondary", onclick: () => void download() }, "Download CSV")),
    out);
  void run(0);
  return root;
}
