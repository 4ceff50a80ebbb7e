// What the desk screens (supervisor, school leader, analyst) share: a header
// with the views the role may open, and how a failure is shown.
import type { App, DeskScreen } from "../app";
import { h } from "../ui";

/** The desk views each role may open, in menu order. */
export function deskScreens(role: string): Array<{ screen: DeskScreen; title: string }> {
  const all: Record<DeskScreen, string> = { queue: "Review queue", overcalling: "Over-calling", report: "Reports" };
  const by: Record<string, DeskScreen[]> = { supervisor: ["queue", "overcalling"], school_leader: ["overcalling"], analyst: ["report"] };
  return (by[role] ?? []).map((screen) => ({ screen, title: all[screen] }));
}

export function deskHeader(app: App, current: DeskScreen, title: string): HTMLElement {
  const session = app.session!;
  const nav = deskScreens(session.user.role);
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
