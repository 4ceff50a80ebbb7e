// The end-of-shift check (issue 19): before signing out, the officer sees
// what is not finished (drafts, records the server refused, records only on
// this phone) and can finish each, or sign out knowing they stay on the
// phone, encrypted. The core decides what counts and in what order.
import type { Nav } from "../nav";
import { h, label, when } from "../ui";
import { stateBadge } from "./list";

export function endOfShiftScreen(app: Nav): HTMLElement {
  const session = app.session!;
  const rows = session.unfinished();
  const drafts = rows.filter((r) => r.draft).length;
  return h("div", { class: "screen" },
    h("header", { class: "bar" },
      h("button", { type: "button", class: "secondary", onclick: () => void app.go("list") }, "← Records"),
      h("h1", {}, "End of shift")),
    rows.length
      ? h("section", { "aria-labelledby": "unfinished-h" },
          h("h2", { id: "unfinished-h" }, `Not finished (${rows.length})`),
          h("p", { class: "help" },
            drafts ? `${drafts} draft${drafts === 1 ? "" : "s"} to submit. ` : "",
            "Records that have not reached the server stay on this phone, encrypted, until you sign in again."),
          h("ul", { class: "records", "aria-label": "Not finished" }, rows.map((r) =>
            h("li", {},
              h("button", { type: "button", class: "record", "data-unfinished": r.id, onclick: () => void app.go(r.draft ? "form" : "detail", r.id) },
                h("span", { class: "record-title" }, `${r.draft ? "Draft · " : ""}${label(r.category ?? "unspecified")} · ${label(r.location ?? "no location")}`),
                h("span", { class: "record-meta" }, when(r.occurred_at)),
                stateBadge(r.state))))))
      : h("p", { class: "help", role: "status" }, "Everything is submitted and on the server."),
    h("div", { class: "actions-bar" },
      h("button", { type: "button", class: rows.length ? "secondary" : "primary", onclick: () => void app.signOut() }, rows.length ? "Sign out anyway" : "Sign out")));
}
