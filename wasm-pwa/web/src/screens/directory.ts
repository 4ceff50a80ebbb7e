// The admin's directory (issue 18): users (add with a password or an
// invite, change role or name, disable, reset a password or a lost second
// factor, link their identity at an identity provider, assign schools
// and a supervisor), schools with their time zones, and organisations.
// Every rule is the server's; this screen shows its answers.
import type { Nav } from "../nav";
import { identityProviders, type AdminUser, type CreatedUser, type IdentityOut, type IdentityProvider, type InviteToken, type Organization, type School } from "../api";
import { h, label, when } from "../ui";
import { deskHeader, errorBox } from "./desk";

const ROLES = ["sro", "supervisor", "commander", "school_leader", "analyst", "admin", "auditor"];

type Data = { users: AdminUser[]; schools: School[]; orgs: Organization[]; providers: IdentityProvider[]; identities: IdentityOut[] };

/** Every IANA zone the browser knows, for the time-zone fields' suggestions. */
function zones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (k: string) => string[] };
  return intl.supportedValuesOf?.("timeZone") ?? ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"];
}

export function directoryScreen(app: Nav): HTMLElement {
  const session = app.session!;
  const out = h("div", { "aria-live": "polite" });
  const notice = h("div", { role: "status" });
  let data: Data = { users: [], schools: [], orgs: [], providers: [], identities: [] };
  let open: string | undefined;

  const call = async <T>(path: string, method: string, body: unknown, done: string): Promise<T | undefined> => {
    try {
      const r = await session.fetchJson<T>(path, { method, body });
      if (done) notice.replaceChildren(h("p", { class: "ok" }, done));
      return r;
    } catch (e) {
      notice.replaceChildren(errorBox(e));
      return undefined;
    }
  };
  const showToken = (who: string, token: string) =>
    notice.replaceChildren(h("div", {},
      h("p", { class: "ok" }, `Give ${who} this one-time code to set their password (it works once, for 72 hours, and is not shown again):`),
      h("p", { class: "token", "data-invite": "" }, token)));

  const load = async () => {
    try {
      const [users, schools, orgs, providers] = await Promise.all([
        session.fetchJson<AdminUser[]>("/api/v1/admin/users"),
        session.fetchJson<School[]>("/api/v1/admin/schools"),
        session.fetchJson<Organization[]>("/api/v1/admin/organizations"),
        identityProviders(),
      ]);
      data = { users, schools, orgs, providers, identities: [] };
      // The open user's panel shows their assignment history, which only
      // the one-user answer carries, and their identities at the providers.
      if (open) {
        const [full, identities] = await Promise.all([
          session.fetchJson<AdminUser>(`/api/v1/admin/users/${open}`),
          data.providers.length ? session.fetchJson<IdentityOut[]>(`/api/v1/admin/users/${open}/identities`) : Promise.resolve([]),
        ]);
        data.users = data.users.map((x) => (x.id === open ? full : x));
        data.identities = identities;
      }
      out.replaceChildren(render());
    } catch (e) {
      out.replaceChildren(errorBox(e));
    }
  };

  const schoolName = (id: string) => data.schools.find((s) => s.id === id)?.name ?? id;
  const userName = (id: string | null | undefined) => (id ? data.users.find((u) => u.id === id)?.username ?? id : "—");
  const orgName = (id: string | null | undefined) => (id ? data.orgs.find((o) => o.id === id)?.name ?? id : "—");

  function userPanel(u: AdminUser): HTMLElement {
    const role = h("select", { id: "u-role" }, ROLES.map((r) => h("option", { value: r, selected: r === u.role }, label(r))));
    const name = h("input", { id: "u-name", value: u.display_name ?? "" });
    const checks = data.schools.map((s) => {
      const id = `u-school-${s.id}`;
      return h("div", { class: "check" },
        h("input", { type: "checkbox", id, value: s.id, checked: u.schools.includes(s.id) }),
        h("label", { for: id }, s.name));
    });
    const sup = h("select", { id: "u-sup" }, h("option", { value: "" }, "(none)"),
      data.users.filter((x) => x.role === "supervisor").map((x) => h("option", { value: x.id, selected: x.id === u.supervisor_id }, x.display_name || x.username)));
    const today = new Date().toISOString().slice(0, 10);
    const from = h("input", { id: "u-from", type: "date", value: today, max: today });
    const save = async () => {
      const ok = await call<AdminUser>(`/api/v1/admin/users/${u.id}`, "PATCH", { role: role.value, display_name: name.value }, `Saved ${u.username}.`);
      if (ok) await load();
    };
    const assign = async () => {
      const schools = checks.map((c) => c.querySelector("input")!).filter((i) => i.checked).map((i) => i.value);
      const ok = await call<AdminUser>(`/api/v1/admin/users/${u.id}/assignments`, "PUT",
        { schools, supervisor_id: sup.value || null, effective_from: from.value }, `Assigned ${u.username}.`);
      if (ok) await load();
    };
    const history = u.assignments ?? [];
    // Signing in with an identity provider opens the account only once it
    // is linked to the person's identity there (their `sub`, which the
    // provider's console shows). Who may link whom is the server's rule.
    const identities = data.providers.map((p) => {
      const linked = data.identities.find((i) => i.provider === p.id);
      const path = `/api/v1/admin/users/${u.id}/identities/${encodeURIComponent(p.id)}`;
      if (linked) {
        return h("li", { "data-identity": p.id }, `${p.name}: ${linked.subject} (since ${when(linked.linked_at)}) `,
          h("button", { type: "button", class: "secondary", onclick: async () => {
            if ((await call<null>(path, "DELETE", undefined, `${u.username} no longer signs in with ${p.name}.`)) === null) await load();
          } }, `Remove the ${p.name} link`));
      }
      const subject = h("input", { id: `u-sub-${p.id}`, autocomplete: "off", required: true });
      return h("li", { "data-identity": p.id }, h("form", { class: "controls", onsubmit: async (e: Event) => {
        e.preventDefault();
        if ((await call<null>(path, "PUT", { subject: subject.value }, `${u.username} signs in with ${p.name} from now on.`)) === null) await load();
      } }, h("label", { for: subject.id }, `Their identity at ${p.name}`), subject, h("button", { type: "submit", class: "secondary" }, `Link to ${p.name}`)));
    });
    return h("section", { class: "panel", "aria-labelledby": "u-h", "data-user-panel": u.username },
      h("h2", { id: "u-h" }, u.username),
      h("form", { class: "controls", onsubmit: (e: Event) => { e.preventDefault(); void save(); } },
        h("label", { for: role.id }, "Role"), role, h("label", { for: name.id }, "Display name"), name,
        h("button", { type: "submit", class: "primary" }, "Save")),
      h("form", { class: "controls", onsubmit: (e: Event) => { e.preventDefault(); void assign(); } },
        h("fieldset", {}, h("legend", {}, "Schools"), checks),
        h("label", { for: sup.id }, "Supervisor"), sup,
        h("label", { for: from.id }, "Effective from"), from,
        h("button", { type: "submit", class: "primary" }, "Save assignment")),
      identities.length ? h("div", {}, h("h3", {}, "Sign-in with an identity provider"), h("ul", { class: "plain" }, identities)) : "",
      history.length
        ? h("div", {}, h("h3", {}, "Assignment history"), h("ul", {}, history.map((a) =>
          h("li", {}, `From ${a.effective_from}: ${a.schools.map(schoolName).join(", ") || "no schools"}; supervisor ${userName(a.supervisor_id)} (set by ${userName(a.set_by)}, ${when(a.set_at)})`))))
        : "");
  }

  function usersTable(): HTMLElement {
    const action = (u: AdminUser) => [
      h("button", { type: "button", class: "secondary", onclick: () => {
        open = open === u.id ? undefined : u.id;
        void load();
      } }, open === u.id ? `Close ${u.username}` : `Edit ${u.username}`),
      h("button", { type: "button", class: "secondary", onclick: async () => {
        if (await call<AdminUser>(`/api/v1/admin/users/${u.id}`, "PATCH", { disabled: !u.disabled }, `${u.username} ${u.disabled ? "enabled" : "disabled"}.`)) await load();
      } }, u.disabled ? `Enable ${u.username}` : `Disable ${u.username}`),
      u.disabled ? "" : h("button", { type: "button", class: "secondary", onclick: async () => {
        const t = await call<InviteToken>(`/api/v1/admin/users/${u.id}/password-reset`, "POST", {}, "");
        if (t) showToken(u.username, t.invite_token);
      } }, `Reset password of ${u.username}`),
      // A lost or replaced phone. Not one's own, not an admin's (the
      // deployment's administrator resets those from the shell), not while
      // disabled: client_core::directory::may_reset_second_factor.
      u.two_step && u.role !== "admin" && !u.disabled ? h("button", { type: "button", class: "secondary", onclick: async () => {
        const done = `${u.username} now signs in with their password alone and sets up two-step sign-in again; every session of theirs has ended.`;
        // `call` answers undefined on an error (shown), null for no content.
        if ((await call<null>(`/api/v1/admin/users/${u.id}/mfa`, "DELETE", undefined, done)) === null) await load();
      } }, `Reset two-step sign-in of ${u.username}`) : "",
    ];
    return h("div", { class: "scroll-x" }, h("table", { class: "data dir" },
      h("caption", {}, "Users"),
      h("thead", {}, h("tr", {}, ["User", "Name", "Role", "Organisation", "Schools", "Supervisor", "Status", "Actions"].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, data.users.map((u) => h("tr", { "data-user": u.username },
        h("th", { scope: "row" }, u.username), h("td", {}, u.display_name ?? ""), h("td", {}, label(u.role)),
        h("td", {}, orgName(u.organization_id)), h("td", {}, u.schools.map(schoolName).join(", ")),
        h("td", {}, userName(u.supervisor_id)), h("td", {}, `${u.disabled ? "Disabled" : "Active"}${u.two_step ? " · two-step sign-in" : ""}`),
        h("td", {}, action(u)))))));
  }

  function addUser(): HTMLElement {
    const username = h("input", { id: "n-user", autocomplete: "off", required: true });
    const name = h("input", { id: "n-name", autocomplete: "off" });
    const role = h("select", { id: "n-role" }, ROLES.map((r) => h("option", { value: r }, label(r))));
    const org = h("select", { id: "n-org" }, data.orgs.map((o) => h("option", { value: o.id }, `${o.name} (${label(o.kind)})`)));
    const add = async () => {
      const made = await call<CreatedUser>("/api/v1/admin/users", "POST",
        { username: username.value, display_name: name.value || null, role: role.value, organization_id: org.value }, "");
      if (!made) return;
      await load();
      if (made.invite_token) showToken(made.username, made.invite_token);
    };
    return h("section", { "aria-labelledby": "n-h" }, h("h2", { id: "n-h" }, "Add a user"),
      h("p", {}, "The new user gets a one-time code to set their own password; nobody else ever knows it."),
      h("form", { class: "controls", onsubmit: (e: Event) => { e.preventDefault(); void add(); } },
        h("label", { for: username.id }, "Username"), username, h("label", { for: name.id }, "Display name"), name,
        h("label", { for: role.id }, "Role"), role, h("label", { for: org.id }, "Organisation"), org,
        h("button", { type: "submit", class: "primary" }, "Add and make an invite")));
  }

  function schoolsSection(): HTMLElement {
    const list = h("datalist", { id: "tz-list" }, zones().map((z) => h("option", { value: z })));
    const districts = data.orgs.filter((o) => o.kind === "district");
    const rows = data.schools.map((s) => {
      const tz = h("input", { id: `tz-${s.id}`, value: s.time_zone, list: "tz-list", "aria-label": `Time zone of ${s.name}` });
      const save = async () => {
        if (await call<School>(`/api/v1/admin/schools/${s.id}`, "PATCH", { time_zone: tz.value }, `${s.name} is now in ${tz.value}.`)) await load();
      };
      return h("tr", { "data-school": s.name }, h("th", { scope: "row" }, s.name), h("td", {}, orgName(s.district_id)),
        h("td", {}, tz), h("td", {}, h("button", { type: "button", class: "secondary", onclick: () => void save() }, `Save time zone of ${s.name}`)));
    });
    const name = h("input", { id: "s-name", autocomplete: "off" });
    const district = h("select", { id: "s-district" }, districts.map((o) => h("option", { value: o.id }, o.name)));
    const tz = h("input", { id: "s-tz", list: "tz-list", value: Intl.DateTimeFormat().resolvedOptions().timeZone });
    const add = async () => {
      if (await call<School>("/api/v1/admin/schools", "POST", { name: name.value, district_id: district.value, time_zone: tz.value }, `Added ${name.value}.`)) await load();
    };
    return h("section", { "aria-labelledby": "s-h" }, h("h2", { id: "s-h" }, "Schools"), list,
      h("div", { class: "scroll-x" }, h("table", { class: "data dir" },
        h("caption", { class: "sr-only" }, "Schools and their time zones"),
        h("thead", {}, h("tr", {}, ["School", "District", "Time zone", ""].map((c) => h("th", { scope: "col" }, c)))),
        h("tbody", {}, rows))),
      h("form", { class: "controls", onsubmit: (e: Event) => { e.preventDefault(); void add(); } },
        h("label", { for: name.id }, "New school"), name, h("label", { for: district.id }, "District"), district,
        h("label", { for: tz.id }, "Time zone"), tz, h("button", { type: "submit", class: "secondary" }, "Add school")));
  }

  function orgsSection(): HTMLElement {
    const name = h("input", { id: "o-name", autocomplete: "off" });
    const kind = h("select", { id: "o-kind" }, h("option", { value: "agency" }, "Agency (law enforcement)"), h("option", { value: "district" }, "District (education)"));
    const add = async () => {
      if (await call<Organization>("/api/v1/admin/organizations", "POST", { kind: kind.value, name: name.value }, `Added ${name.value}.`)) await load();
    };
    return h("section", { "aria-labelledby": "o-h" }, h("h2", { id: "o-h" }, "Organisations"),
      h("ul", {}, data.orgs.map((o) => h("li", {}, `${o.name} (${label(o.kind)})`))),
      h("form", { class: "controls", onsubmit: (e: Event) => { e.preventDefault(); void add(); } },
        h("label", { for: name.id }, "New organisation"), name, h("label", { for: kind.id }, "Kind"), kind,
        h("button", { type: "submit", class: "secondary" }, "Add organisation")));
  }

  function render(): HTMLElement {
    const current = data.users.find((u) => u.id === open);
    return h("div", {}, usersTable(), current ? userPanel(current) : "", addUser(), schoolsSection(), orgsSection());
  }

  const root = h("div", { class: "screen wide" }, deskHeader(app, "directory", "Directory"), notice, out);
  void load();
  return root;
}
