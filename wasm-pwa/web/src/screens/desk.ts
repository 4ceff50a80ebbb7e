// What the desk screens (supervisor, school leader, analyst, auditor, admin, commander) share: a header
// with the views the role may open, and how a failure is shown.
import type { DeskScreen, Nav } from "../nav";
import { h } from "../ui";

const TITLES: Record<DeskScreen, string> = {
  queue: "Review queue",
  overcalling: "Over-calling",
  activity: "SRO activity",
  report: "Reports",
  audit: "Access log",
  directory: "Directory",
  complaints: "Complaints",
};

/** The desk views the server says the caller may open (from the policy's grants), in menu order. */
export function deskScreens(views: readonly string[] | undefined): Array<{ screen: DeskScreen; title: string }> {
  return (views ?? []).filter((v): v is DeskScreen => v in TITLES).map((screen) => ({ screen, title: TITLES[screen] }));
}

export function deskHeader(app: Nav, current: DeskScreen, title: string): HTMLElement {
  const session = app.session!;
  const nav = deskScreens(session.user.desk_views);
  return h("header", { class: "bar desk-bar" },
    h("h1", {}, title),
    nav.length > 1 ? h("nav", { "aria-label": "Views" }, nav.map((n) =>
      h("button", { type: "button", class: n.screen === current ? "primary" : "secondary", "aria-current": n.screen === current ? "page" : undefined, onclick: () => void app.go(n.screen) }, n.title))) : "",
    h("button", { type: "button", class: "secondary", onclick: () => void app.signOut() }, `Sign out ${session.user.username}`));
}

export function errorBox(e: unknown): HTMLElement {
  return h("p", { class: "problems", role: "alert" }, e instanceof Error ? e.message : String(e));
}

export function pct(x: number): string {
  return `${(x * 100).toFixed(0)}%`;
}
