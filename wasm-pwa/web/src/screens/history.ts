// A record's history (`GET /incidents/{id}/history`): who changed it, from
// which device, when, what kind of step, which fields, and an amendment's
// reason. The server sends what the reader's role may see; fields are names,
// never values.
import { h, label, when } from "../ui";

export interface HistoryEntry {
  at: string;
  by: { id: string; username: string };
  device: string;
  kind: "created" | "edited" | "submitted" | "amended" | "reviewed" | "redacted";
  fields: string[];
  amendment_reason?: string;
}

const KIND: Record<HistoryEntry["kind"], string> = {
  created: "Created",
  edited: "Edited (draft)",
  submitted: "Submitted",
  amended: "Amended",
  reviewed: "Reviewed",
  redacted: "Earlier versions removed",
};

/** "students[0].perceived.race" as "Students 1 · Perceived · Race". */
function field(path: string): string {
  return path
    .split(".")
    .map((part) => {
      const m = /^(.*)\[(\d+)\]$/.exec(part);
      return m ? `${label(m[1])} ${Number(m[2]) + 1}` : label(part);
    })
    .join(" · ");
}

/** A card that loads the history when first opened. */
export function historySection(load: () => Promise<HistoryEntry[]>): HTMLElement {
  const body = h("div", {}, h("p", { class: "help" }, "Open to read who changed what, and when."));
  let loaded = false;
  const details = h("details", { class: "card history", ontoggle: () => {
    if (loaded || !details.open) return;
    loaded = true;
    body.replaceChildren(h("p", { class: "help", role: "status" }, "Loading the history…"));
    load().then((entries) => body.replaceChildren(list(entries)), (e: unknown) => {
      loaded = false;
      body.replaceChildren(h("p", { class: "problem", role: "alert" }, `The history did not load: ${e instanceof Error ? e.message : String(e)}`));
    });
  } },
  h("summary", {}, "History"),
  body);
  return details;
}

function list(entries: HistoryEntry[]): HTMLElement {
  if (!entries.length) return h("p", { class: "help" }, "No change you may see.");
  return h("ol", { class: "history-list" }, entries.map((e) => h("li", { "data-kind": e.kind },
    h("p", {}, h("strong", {}, KIND[e.kind] ?? e.kind), ` · ${when(e.at)} · ${e.by.username || "a former user"} · device ${e.device.slice(0, 8)}`),
    e.amendment_reason ? h("p", {}, `Reason: ${e.amendment_reason}`) : "",
    // A creation and a redaction touch every field: the list says nothing.
    e.kind === "created" || e.kind === "redacted" ? "" : h("p", { class: "help" }, `Changed: ${e.fields.map(field).join(", ")}`))));
}
