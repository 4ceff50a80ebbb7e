// The agreements (MOUs, issue 21) between the agency and the district: which
// is in force, whose annual review is overdue, what each withholds from the
// federal table, and a form to record a new or reviewed one. The rules
// (what an agreement may hold, which is in force) are the core's and the
// server's; this screen starts from the core's federal table and sends what
// the admin leaves of it.
import type { Nav } from "../nav";
import type { AgreementOut, Organization } from "../api";
import type { Grant } from "../wire/Grant";
import type { Policy } from "../wire/Policy";
import { federalPolicy, withholdableGrants } from "../core";
import { h, label } from "../ui";
import { deskHeader, errorBox } from "./desk";

const key = (g: Grant) => `${g.role}/${g.action}/${g.scope}`;
const grantText = (g: Grant) => `${label(g.action)} (${label(g.scope)})`;

export function agreementsScreen(app: Nav): HTMLElement {
  const session = app.session!;
  const federal = federalPolicy();
  const offered = withholdableGrants();
  const out = h("div", { "aria-live": "polite" });
  const notice = h("div", { role: "status" });
  let orgs: Organization[] = [];
  let list: AgreementOut[] = [];

  const orgName = (id: string) => orgs.find((o) => o.id === id)?.name ?? id;
  const parties = (a: AgreementOut) => `${orgName(a.agency_id)} and ${orgName(a.district_id)}`;

  const load = async () => {
    try {
      [orgs, list] = await Promise.all([
        session.fetchJson<Organization[]>("/api/v1/admin/organizations"),
        session.fetchJson<AgreementOut[]>("/api/v1/agreements"),
      ]);
      out.replaceChildren(render());
    } catch (e) {
      out.replaceChildren(errorBox(e));
    }
  };

  function overdue(): HTMLElement | string {
    const late = list.filter((a) => a.review_overdue);
    if (!late.length) return "";
    return h("div", { class: "problems", role: "alert", "data-overdue": "" }, late.map((a) =>
      h("p", {}, `The annual review of the agreement between ${parties(a)} was due on ${a.review_by}. Review it with the other party, then record and sign the reviewed agreement below.`)));
  }

  function table(): HTMLElement {
    if (!list.length) return h("p", {}, "No agreement is recorded: the federal default decides who may read what.");
    const mine = session.user.organization_id;
    const status = (a: AgreementOut) =>
      a.awaiting ? `Awaiting the ${a.awaiting}'s signature` : a.in_force ? (a.review_overdue ? "In force · review overdue" : "In force") : "Not in force";
    // The other party's admin signs; the server has the last word.
    const canSign = (a: AgreementOut) =>
      (mine === a.agency_id && !a.agency_signed_at) || (mine === a.district_id && !a.district_signed_at);
    const party = (a: AgreementOut) => (mine === a.agency_id ? "agency" : "district");
    const sign = async (a: AgreementOut) => {
      try {
        const signed = await session.fetchJson<AgreementOut>(`/api/v1/agreements/${a.id}/sign`, { method: "POST", body: {} });
        notice.replaceChildren(h("p", { class: "ok" }, signed.awaiting
          ? `Signed. It binds once the ${signed.awaiting}'s admin signs it too.`
          : `Signed. Both parties have signed: from ${a.effective_from} it decides what each role of both may read.`));
        await load();
      } catch (e) {
        notice.replaceChildren(errorBox(e));
      }
    };
    return h("div", { class: "scroll-x" }, h("table", { class: "data dir" },
      h("caption", {}, "Agreements, newest first"),
      h("thead", {}, h("tr", {}, ["Parties", "From", "Review by", "Status", "Withholds", "Public copy and signature"].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, list.map((a) => {
        const less = a.withheld as unknown as Grant[];
        return h("tr", { "data-agreement": a.id, "data-in-force": String(a.in_force) },
          h("th", { scope: "row" }, parties(a)), h("td", {}, a.effective_from), h("td", {}, a.review_by), h("td", {}, status(a)),
          h("td", {}, less.length ? h("ul", {}, less.map((g) => h("li", {}, `${label(g.role)}: ${grantText(g)}`))) : "Nothing"),
          h("td", {}, h("a", { href: a.published_url, rel: "noopener", target: "_blank" }, "Read it"),
            canSign(a) ? h("button", { type: "button", class: "primary", onclick: () => void sign(a) }, `Sign for ${label(party(a))}`) : ""));
      }))));
  }

  function form(): HTMLElement {
    const agency = h("select", { id: "a-agency" }, orgs.filter((o) => o.kind === "agency").map((o) => h("option", { value: o.id }, o.name)));
    const district = h("select", { id: "a-district" }, orgs.filter((o) => o.kind === "district").map((o) => h("option", { value: o.id }, o.name)));
    const today = new Date().toISOString().slice(0, 10);
    const nextYear = new Date(Date.now() + 364 * 86_400_000).toISOString().slice(0, 10);
    const from = h("input", { id: "a-from", type: "date", value: today, required: true });
    const review = h("input", { id: "a-review", type: "date", value: nextYear, required: true });
    const url = h("input", { id: "a-url", type: "url", placeholder: "https://", required: true });
    // One fieldset per role, a box per grant the agreement may withhold.
    const boxes: Array<{ grant: Grant; input: HTMLInputElement }> = [];
    const roles = [...new Set(federal.grants.map((g) => g.role))];
    const sets = roles.map((role) => {
      const mine = offered.filter((g) => g.role === role);
      if (!mine.length) return "";
      return h("fieldset", { class: "grants" }, h("legend", {}, label(role)), mine.map((grant) => {
        const id = `w-${key(grant).replace(/\//g, "-")}`;
        const input = h("input", { type: "checkbox", id });
        boxes.push({ grant, input });
        return h("div", { class: "check" }, input, h("label", { for: id }, grantText(grant)));
      }));
    });
    const submit = async () => {
      const policy: Policy = {
        grants: federal.grants.filter((g) => !boxes.some((b) => b.input.checked && key(b.grant) === key(g))),
        views: federal.views,
      };
      try {
        await session.fetchJson<AgreementOut>("/api/v1/agreements", {
          method: "POST",
          body: { agency_id: agency.value, district_id: district.value, effective_from: from.value, review_by: review.value, published_url: url.value, policy },
        });
        notice.replaceChildren(h("p", { class: "ok" }, "Recorded and signed for your organisation. It binds once the other party's admin signs it too."));
        await load();
      } catch (e) {
        notice.replaceChildren(errorBox(e));
      }
    };
    return h("section", { "aria-labelledby": "a-h" }, h("h2", { id: "a-h" }, "Record an agreement"),
      h("p", {}, "An agreement may share less than the federal default, never more, and binds once both parties' admins have signed it. Tick what it withholds; the admin's directory and agreements and the auditor's access log always stay."),
      h("form", { class: "controls", onsubmit: (e: Event) => { e.preventDefault(); void submit(); } },
        h("label", { for: agency.id }, "Agency"), agency, h("label", { for: district.id }, "District"), district,
        h("label", { for: from.id }, "Effective from"), from, h("label", { for: review.id }, "Review by"), review,
        h("label", { for: url.id }, "Public copy (URL)"), url,
        h("details", {}, h("summary", {}, "What it withholds"), sets),
        h("button", { type: "submit", class: "primary" }, "Record the agreement")));
  }

  function render(): HTMLElement {
    return h("div", {}, overdue(), table(), form());
  }

  const root = h("div", { class: "screen wide" }, deskHeader(app, "agreements", "Agreements"), notice, out);
  void load();
  return root;
}
