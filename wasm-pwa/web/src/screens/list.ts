// The officer's records, drafts first, each with where it stands.
import type { App } from "../app";
import type { RecordState } from "../session";
import { h, label, when } from "../ui";

export function stateBadge(s: RecordState): HTMLElement {
  const text = s.kind === "refused" ? `Refused: ${s.reason}` : s.kind === "synced" ? "Synced" : "Saved on phone";
  return h("span", { class: `badge ${s.kind}`, "data-state": s.kind }, text);
}

export function listScreen(app: App): HTMLElement {
  const session = app.session!;
  const records = session.records().sort((a, b) => b.occurred_at.localeCompare(a.occurred_at));
  const drafts = records.filter((r) => r.status === "draft");
  const done = records.filter((r) => r.status !== "draft");
  const online = navigator.onLine;
  const item = (r: (typeof records)[number]) =>
    h("li", {},
      h("button", { type: "button", class: "record", "data-record": r.id, onclick: () => void app.go(r.status === "draft" ? "form" : "detail", r.id) },
        h("span", { class: "record-title" }, `${label(r.category ?? "unspecified")} · ${label(r.location ?? "no location")}`),
        h("span", { class: "record-meta" }, when(r.occurred_at), " · ", `${r.students.length} student${r.students.length === 1 ? "" : "s"}`),
        stateBadge(session.state(r.id))));
  return h("div", { class: "screen" },
    h("header", { class: "bar" },
      h("h1", {}, "My records"),
      h("button", { type: "button", class: "secondary", onclick: () => app.lock() }, "Lock")),
    h("p", { class: "sync-line", role: "status" },
      h("span", { class: `dot ${online ? "on" : "off"}` }),
      online ? "Online" : "Offline: records stay on this phone until the network returns",
      session.lastSync ? ` · last synced ${session.lastSync.toLocaleTimeString()}` : "",
      session.lastError ? ` · sync failed: ${session.lastError}` : ""),
    h("div", { class: "actions-bar top" },
      h("button", { type: "button", class: "primary big", onclick: () => void app.go("form") }, "+ Log a contact"),
      h("button", { type: "button", class: "secondary", disabled: !online, onclick: async (e: Event) => {
        const btn = e.currentTarget as HTMLButtonElement;
        btn.disabled = true;
        btn.textContent = "Syncing…";
        await session.sync();
        void app.go("list");
      } }, "Sync now")),
    h("section", { "aria-labelledby": "drafts-h" },
      h("h2", { id: "drafts-h" }, `Drafts (${drafts.length})`),
      drafts.length ? h("ul", { class: "records" }, drafts.map(item)) : h("p", { class: "help" }, "No drafts.")),
    h("section", { "aria-labelledby": "done-h" },
      h("h2", { id: "done-h" }, `Submitted (${done.length})`),
      done.length ? h("ul", { class: "records" }, done.map(item)) : h("p", { class: "help" }, "Nothing submitted yet.")),
    h("footer", {},
      h("p", { class: "help" }, `Signed in as ${session.user.username}`),
      h("button", { type: "button", class: "secondary", onclick: () => void app.signOut() }, "Sign out")));
}
