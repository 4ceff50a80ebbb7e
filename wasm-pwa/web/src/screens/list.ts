// The officer's records: drafts first, then the rest, newest first, each
// with where it stands. The list is virtualised (issue 15): a phone may hold
// thousands of records, so only the lines near the screen exist in the DOM,
// read from the core's summaries a screenful at a time. Synced records older
// than the device's window are not on the phone; "Older records" lists them
// from the server.
import type { Nav } from "../nav";
import type { Row } from "../core";
import type { RecordState } from "../session";
import { h, label, when } from "../ui";

/** Every line's height in px (styles.css `.records.virtual > li`). */
const LINE = 104;
/** Lines drawn above and below the screen. */
const OVERSCAN = 8;

export function stateBadge(s: RecordState): HTMLElement {
  const text = s.kind === "refused" ? `Refused: ${s.reason}` : s.kind === "synced" ? "Synced" : "Saved on phone";
  return h("span", { class: `badge ${s.kind}`, "data-state": s.kind }, text);
}

function line(app: Nav, r: Row, i: number): HTMLElement {
  const li = h("li", {},
    h("button", { type: "button", class: "record", "data-record": r.id, onclick: () => void app.go(r.draft ? "form" : "detail", r.id) },
      h("span", { class: "record-title" }, `${r.draft ? "Draft · " : ""}${label(r.category ?? "unspecified")} · ${label(r.location ?? "no location")}`),
      h("span", { class: "record-meta" }, when(r.occurred_at), " · ", `${r.students} student${r.students === 1 ? "" : "s"}`),
      stateBadge(r.state)));
  // Through the CSSOM: the CSP forbids style attributes.
  li.style.top = `${i * LINE}px`;
  return li;
}

/** The list's lines, drawn for the part of it on screen. */
function virtualList(app: Nav): HTMLElement {
  const session = app.session!;
  const total = session.listLength;
  const ul = h("ul", { class: "records virtual", "aria-label": "Records" });
  ul.style.height = `${total * LINE}px`;
  let drawn = "";
  const draw = () => {
    if (!ul.isConnected) return;
    const top = ul.getBoundingClientRect().top;
    const from = Math.max(0, Math.floor(-top / LINE) - OVERSCAN);
    const count = Math.ceil(window.innerHeight / LINE) + 2 * OVERSCAN;
    const key = `${from}:${count}`;
    if (key === drawn) return;
    drawn = key;
    ul.replaceChildren(...session.rows(from, count).map((r, i) => line(app, r, from + i)));
  };
  let queued = false;
  const onScroll = () => {
    if (!ul.isConnected) {
      window.removeEventListener("scroll", onScroll);
      window.removeEventListener("resize", onScroll);
      return;
    }
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      draw();
    });
  };
  window.addEventListener("scroll", onScroll, { passive: true });
  window.addEventListener("resize", onScroll, { passive: true });
  // Drawn once the list is in the document (its position is known then).
  queueMicrotask(draw);
  requestAnimationFrame(draw);
  return ul;
}

interface OnlinePage {
  items: Array<{ id: string; occurred_at: string; category?: string | null; location?: string | null; students?: unknown[] }>;
  next_cursor: string | null;
}

/** Records older than the phone's window, read from the server a page at a time. */
function olderRecords(app: Nav, before: Date): HTMLElement {
  const session = app.session!;
  const out = h("ul", { class: "records" });
  const more = h("button", { type: "button", class: "secondary" }, "Older records (online)");
  let cursor: string | null = null;
  more.onclick = async () => {
    more.disabled = true;
    try {
      const q = new URLSearchParams({ to: before.toISOString() });
      if (cursor) q.set("cursor", cursor);
      const page = await session.fetchJson<OnlinePage>(`/api/v1/incidents?${q}`);
      out.append(...page.items.map((r) =>
        h("li", {},
          h("button", { type: "button", class: "record", "data-online-record": r.id, onclick: () => void app.go("detail", r.id) },
            h("span", { class: "record-title" }, `${label(r.category ?? "unspecified")} · ${label(r.location ?? "no location")}`),
            h("span", { class: "record-meta" }, when(r.occurred_at), " · online")))));
      cursor = page.next_cursor;
      more.textContent = "More older records";
      more.disabled = !cursor;
      if (!cursor) more.hidden = true;
    } catch (e) {
      more.disabled = false;
      out.append(h("li", { class: "help" }, `Could not load older records: ${e instanceof Error ? e.message : String(e)}`));
    }
  };
  return h("section", { "aria-labelledby": "older-h" },
    h("h2", { id: "older-h" }, "Older records"),
    h("p", { class: "help" }, `Synced records from before ${when(before.getTime())} are kept on the server, not on this phone.`),
    out, navigator.onLine ? more : h("p", { class: "help" }, "Go online to read them."));
}

/** Online or not, when the last sync was, and why it failed. */
export function syncLine(app: Nav): HTMLElement {
  const session = app.session!;
  const online = navigator.onLine;
  return h("p", { class: "sync-line", role: "status" },
    h("span", { class: `dot ${online ? "on" : "off"}` }),
    online ? "Online" : "Offline: records stay on this phone until the network returns",
    session.lastSync ? ` · last synced ${session.lastSync.toLocaleTimeString()}` : "",
    session.lastError ? ` · sync failed: ${session.lastError}` : "");
}

export function listScreen(app: Nav): HTMLElement {
  const session = app.session!;
  const total = session.listLength;
  const drafts = session.draftCount;
  const online = navigator.onLine;
  const before = session.retainFrom;
  return h("div", { class: "screen" },
    h("header", { class: "bar" },
      h("h1", {}, "My records"),
      h("button", { type: "button", class: "secondary", onclick: () => app.lock() }, "Lock")),
    syncLine(app),
    h("div", { class: "actions-bar top" },
      h("button", { type: "button", class: "primary big", onclick: () => void app.go("form") }, "+ Log a contact"),
      h("button", { type: "button", class: "secondary", disabled: !online, onclick: async (e: Event) => {
        const btn = e.currentTarget as HTMLButtonElement;
        btn.disabled = true;
        btn.textContent = "Syncing…";
        await session.sync();
        btn.disabled = false;
        btn.textContent = "Sync now";
      } }, "Sync now")),
    h("section", { "aria-labelledby": "records-h" },
      h("h2", { id: "records-h" }, `Drafts (${drafts}) · Submitted (${total - drafts})`),
      total ? virtualList(app) : h("p", { class: "help" }, "No records on this phone yet.")),
    before ? olderRecords(app, before) : "",
    h("footer", {},
      h("p", { class: "help" }, `Signed in as ${session.user.username}`),
      h("button", { type: "button", class: "secondary", onclick: () => void app.go("shift") }, "End shift and sign out")));
}
