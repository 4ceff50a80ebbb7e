// The training register (issue 21; 003 p8) for whoever keeps it: a
// supervisor for their officers, the agency's admin for all of its own.
// Each officer's standing (the core's rule: 40 hours of the basic course
// within nine months of placement, then the agency's refresher cycle) and a
// form to record a completed course. The server decides whose register the
// caller keeps and checks every course.
import type { Nav } from "../nav";
import type { ComplianceLine } from "../api";
import { vocabulary } from "../core";
import { h, label } from "../ui";
import { deskHeader, errorBox, trainingStanding } from "./desk";

export function trainingScreen(app: Nav): HTMLElement {
  const session = app.session!;
  const out = h("div", { "aria-live": "polite" });
  const notice = h("div", { role: "status" });
  let lines: ComplianceLine[] = [];

  const load = async () => {
    try {
      lines = await session.fetchJson<ComplianceLine[]>("/api/v1/training/compliance");
      out.replaceChildren(render());
    } catch (e) {
      out.replaceChildren(errorBox(e));
    }
  };

  function table(): HTMLElement {
    if (!lines.length) return h("p", {}, "No officer's training is yours to keep.");
    return h("div", { class: "scroll-x" }, h("table", { class: "data dir" },
      h("caption", {}, "Officers and their training"),
      h("thead", {}, h("tr", {}, ["Officer", "Placed in a school", "Standing"].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, lines.map((l) => h("tr", { "data-officer": l.username, "data-flagged": String(l.flagged) },
        h("th", { scope: "row" }, l.username), h("td", {}, l.placed_on), h("td", {}, trainingStanding(l.standing)))))));
  }

  function form(): HTMLElement {
    const officer = h("select", { id: "t-officer" }, lines.map((l) => h("option", { value: l.officer_id }, l.username)));
    const course = h("input", { id: "t-course", autocomplete: "off", required: true });
    const hours = h("input", { id: "t-hours", type: "number", min: "0.5", step: "0.5", max: "200", required: true });
    const today = new Date().toISOString().slice(0, 10);
    const done = h("input", { id: "t-done", type: "date", value: today, max: today, required: true });
    const topics = vocabulary().topic.map((t) => {
      const id = `t-topic-${t}`;
      return h("div", { class: "check" }, h("input", { type: "checkbox", id, value: t }), h("label", { for: id }, label(t)));
    });
    const submit = async () => {
      const chosen = topics.map((t) => t.querySelector("input")!).filter((i) => i.checked).map((i) => i.value);
      try {
        await session.fetchJson("/api/v1/training", {
          method: "POST",
          body: { officer_id: officer.value, course: course.value, topics: chosen, hours: Number(hours.value), completed_on: done.value },
        });
        const who = lines.find((l) => l.officer_id === officer.value)?.username ?? "";
        notice.replaceChildren(h("p", { class: "ok" }, `Recorded ${hours.value} h for ${who}.`));
        await load();
      } catch (e) {
        notice.replaceChildren(errorBox(e));
      }
    };
    return h("section", { "aria-labelledby": "t-h" }, h("h2", { id: "t-h" }, "Record a completed course"),
      h("form", { class: "controls", onsubmit: (e: Event) => { e.preventDefault(); void submit(); } },
        h("label", { for: officer.id }, "Officer"), officer, h("label", { for: course.id }, "Course"), course,
        h("label", { for: hours.id }, "Hours"), hours, h("label", { for: done.id }, "Completed on"), done,
        h("fieldset", {}, h("legend", {}, "Topics"), topics),
        h("button", { type: "submit", class: "primary" }, "Record the course")));
  }

  function render(): HTMLElement {
    return h("div", {}, table(), lines.length ? form() : "");
  }

  const root = h("div", { class: "screen wide" }, deskHeader(app, "training", "Training"), notice, out);
  void load();
  return root;
}
