// The logging form. One hand, mid-shift: defaults for everything that has a
// sensible one, chips instead of dropdowns where the set is short, and the
// core deciding what is required (validate) and what may be stored (save).
import { problemsOf, uuidv7, validate, vocabulary, type IncidentRecord, type Problem } from "../core";
import type { Nav } from "../nav";
import { fieldId, fromLocalInput, h, label, toLocalInput } from "../ui";
import type { Student } from "../wire/Student";
import type { Demographics } from "../wire/Demographics";
import type { Custody } from "../wire/Custody";

const QUOTES = {
  deescalation:
    "“Prior to detaining, arresting, or ticketing a student, SROs should use all other appropriate de-escalation techniques and account for the age and size of the student.”",
  administrator: "“SROs should not detain students solely on the direction of a school administrator.”",
  publicView:
    "“The student should be removed from public view prior to being placed in custody, if possible, to avoid the stigma associated with arrest.”",
  disability:
    "“When interacting with young people with disabilities, SROs must also make reasonable modifications to policies and practices when necessary to avoid disability discrimination.”",
  probableCause:
    "“If an SRO detains a student (i.e., makes an arrest or uses restraints) … the SRO should document … factors that support a determination of probable cause.”",
  transport: "“If transport is necessary, the student should be placed in a police vehicle outside the view of their peers.”",
  nineOneOne:
    "“Any matter that would not require a school to call 911 for service is outside the scope of SROs' law enforcement duties.”",
};

const LAST_LOCATION = "fieldlog.lastLocation";

function blankRecord(app: Nav): IncidentRecord {
  const school = app.session!.user.schools[0]?.id ?? "";
  return {
    id: uuidv7(),
    school_id: school,
    officer_id: app.session!.user.id,
    occurred_at: new Date().toISOString(),
    ended_at: null,
    location: (localStorage.getItem(LAST_LOCATION) as IncidentRecord["location"]) ?? null,
    initiated_by: null,
    request: null,
    category: null,
    would_warrant_911: null,
    offense: null,
    sro_role: null,
    students: [newStudent()],
    deescalation: [],
    actions: [],
    custody: null,
    status: "draft",
    submitted_at: null,
    amendments: [],
  };
}

function newStudent(): Student {
  return { key: uuidv7(), ref: "" } as Student;
}

type Quick = { name: string; apply: (r: IncidentRecord) => void };
const QUICK: Quick[] = [
  {
    name: "Routine contact",
    apply: (r) => {
      r.initiated_by = "self";
      r.category = "relationship_building";
      r.would_warrant_911 = false;
      r.sro_role = "informal_counselor";
      r.actions = ["none"];
    },
  },
  {
    name: "Staff asked me",
    apply: (r) => {
      r.initiated_by = "school_staff";
      r.request ??= { staff_id: null, staff_role: null, reason: null, requested_at: new Date().toISOString() };
    },
  },
  {
    name: "Safety incident",
    apply: (r) => {
      r.category = "safety_threat";
      r.sro_role = "law_enforcement_problem_solver";
    },
  },
];

export function formScreen(app: Nav, id?: string): HTMLElement {
  const session = app.session!;
  const existing = id ? session.record(id) : undefined;
  const r: IncidentRecord = existing ?? blankRecord(app);
  const wasSubmitted = existing?.status === "submitted";
  let stored = !!existing;
  let tried = false;
  let amendment = "";
  let saveError: string | undefined;
  let timer: number | undefined;
  const v = vocabulary();
  const root = h("div", { class: "screen" });

  // The rules this record's next save applies, as the core decides them: a
  // record submitted under older rules is amended under them (the form asks
  // only what they asked), unless the server refused its stamp. Validation
  // reads the stamp, so the form's copy carries it.
  const rules = existing ? session.rulesFor(existing.id) : v.rules_version;
  if (wasSubmitted) r.rules_version = rules;
  const current = rules >= v.rules_version;
  const custodyActions = current ? v.custody_actions : v.first_custody_actions;
  const deescalationActions = current ? v.deescalation_actions : v.first_deescalation_actions;
  const hasCustody = () => r.actions.some((a) => custodyActions.includes(a));
  const needsDeesc = () => r.actions.some((a) => deescalationActions.includes(a));

  // Text typing commits after a pause; taps commit at once. Either way the
  // record is on the phone (encrypted) before anything else happens.
  async function commit(): Promise<void> {
    window.clearTimeout(timer);
    if (wasSubmitted) return; // an amendment is saved only with its reason
    try {
      await session.save(r);
      stored = true;
      saveError = undefined;
    } catch (e) {
      const p = problemsOf(e);
      saveError = p ? p.map((x) => x.message).join("; ") : String(e);
    }
    status.textContent = saveError ? `Not saved: ${saveError}` : stored ? "Saved on phone" : "";
  }
  function typed(): void {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => void commit(), 300);
    refreshProblems();
  }
  function changed(): void {
    void commit();
    render();
  }
  app.beforeLeave = () => (timer !== undefined && !wasSubmitted ? commit() : Promise.resolve());

  const status = h("p", { class: "save-state", role: "status", "aria-live": "polite" }, stored ? "Saved on phone" : "");
  const problemBox = h("div", { "aria-live": "polite" });
  let problems: Problem[] = [];

  function refreshProblems(): void {
    problems = validate(r);
    for (const el of root.querySelectorAll<HTMLElement>("[data-field]")) {
      const mine = problems.filter((p) => p.field === el.dataset.field);
      const box = el.querySelector(".problem");
      const show = tried && mine.length > 0;
      el.classList.toggle("invalid", show);
      const input = el.querySelector("input, select, textarea");
      if (input) input.setAttribute("aria-invalid", show ? "true" : "false");
      if (box) box.textContent = show ? mine.map((p) => p.message).join(" ") : "";
      el.querySelector(".req")?.toggleAttribute("hidden", mine.length === 0);
    }
    const submit = root.querySelector<HTMLButtonElement>("#submit");
    if (submit) submit.textContent = wasSubmitted ? "Save amendment" : problems.length ? `Submit (${problems.length} to complete)` : "Submit";
    problemBox.replaceChildren(
      tried && problems.length
        ? h("div", { class: "problems", role: "alert" }, h("h2", {}, "Before you submit"), h("ul", {}, problems.map((p) => h("li", {}, p.message))))
        : "",
    );
  }

  // --- field builders ---------------------------------------------------
  function field(path: string, text: string, control: HTMLElement, help?: string): HTMLElement {
    return h(
      "div",
      { class: "field", "data-field": path },
      h("label", { for: control.id }, text, h("span", { class: "req", hidden: true }, " (needed)")),
      help ? h("p", { class: "help" }, help) : "",
      control,
      h("p", { class: "problem" }),
    );
  }
  function textInput(path: string, text: string, get: () => string | null | undefined, set: (v: string | null) => void, opts: { multiline?: boolean; help?: string; type?: string } = {}): HTMLElement {
    const id = fieldId();
    const props = { id, value: get() ?? "", autocomplete: "off", spellcheck: "true", oninput: (e: Event) => { const t = (e.target as HTMLInputElement).value; set(t.trim() === "" ? null : t); typed(); } };
    const control = opts.multiline ? h("textarea", { ...props, rows: 3 }) : h("input", { ...props, type: opts.type ?? "text" });
    if (opts.multiline) (control as HTMLTextAreaElement).value = get() ?? "";
    return field(path, text, control, opts.help);
  }
  function numberInput(path: string, text: string, get: () => number | null | undefined, set: (v: number | null) => void): HTMLElement {
    const id = fieldId();
    const control = h("input", { id, type: "number", inputmode: "numeric", min: 0, value: get() ?? "", oninput: (e: Event) => { const t = (e.target as HTMLInputElement).value; set(t === "" ? null : Number(t)); typed(); } });
    return field(path, text, control);
  }
  /** A group of large chips: radio buttons for one choice, checkboxes for several. */
  function chipGroup(path: string, text: string, values: string[], type: "radio" | "checkbox", isOn: (v: string) => boolean, toggle: (v: string, on: boolean) => void, help?: string): HTMLElement {
    const name = fieldId();
    return h(
      "fieldset",
      { class: "field chips", "data-field": path },
      h("legend", {}, text, h("span", { class: "req", hidden: true }, " (needed)")),
      help ? h("p", { class: "help" }, help) : "",
      h("div", { class: "chip-row" }, values.map((val) => {
        const id = fieldId();
        return h("span", { class: "chip" },
          h("input", { type, id, name, value: val, checked: isOn(val), onchange: (e: Event) => { toggle(val, (e.target as HTMLInputElement).checked); changed(); } }),
          h("label", { for: id }, label(val)));
      })),
      h("p", { class: "problem" }),
    );
  }
  function chips(path: string, text: string, values: string[], get: () => string | null | undefined, set: (v: string | null) => void, help?: string): HTMLElement {
    return chipGroup(path, text, values, "radio", (val) => get() === val, (val) => set(val), help);
  }
  function yesNo(path: string, text: string, get: () => boolean | null | undefined, set: (v: boolean | null) => void, help?: string): HTMLElement {
    const cur = get();
    return chips(path, text, ["yes", "no"], () => (cur === true ? "yes" : cur === false ? "no" : null), (x) => set(x === "yes"), help);
  }
  function multi(path: string, text: string, values: string[], get: () => string[], set: (v: string[]) => void, help?: string): HTMLElement {
    return chipGroup(path, text, values, "checkbox", (val) => get().includes(val), (val, on) => set(on ? [...get(), val] : get().filter((x) => x !== val)), help);
  }
  function select(path: string, text: string, values: string[], get: () => string | null | undefined, set: (v: string | null) => void, names?: (v: string) => string): HTMLElement {
    const id = fieldId();
    const control = h("select", { id, onchange: (e: Event) => { const t = (e.target as HTMLSelectElement).value; set(t || null); changed(); } },
      h("option", { value: "" }, "Choose…"),
      values.map((val) => h("option", { value: val, selected: get() === val }, (names ?? label)(val))));
    return field(path, text, control);
  }

  function demographics(path: string, d: Demographics, withEl: boolean): HTMLElement[] {
    const tri = (x: boolean | null | undefined) => (x === true ? "yes" : x === false ? "no" : "unknown");
    return [
      multi(`${path}.race`, "Race (any that apply)", v.race, () => d.race as string[], (x) => (d.race = x as Demographics["race"])),
      chips(`${path}.hispanic_latino`, "Hispanic or Latino", ["yes", "no", "unknown"], () => tri(d.hispanic_latino), (x) => (d.hispanic_latino = x === "yes" ? true : x === "no" ? false : null)),
      chips(`${path}.sex`, "Sex", v.sex, () => d.sex ?? null, (x) => (d.sex = (x ?? undefined) as Demographics["sex"])),
      chips(`${path}.disability`, "Disability", v.disability, () => d.disability ?? null, (x) => (d.disability = (x ?? undefined) as Demographics["disability"])),
      withEl ? chips(`${path}.english_learner`, "English learner", v.english_learner, () => d.english_learner ?? null, (x) => (d.english_learner = (x ?? undefined) as Demographics["english_learner"])) : "",
    ].filter((x): x is HTMLElement => x instanceof HTMLElement);
  }

  function studentBlock(s: Student, i: number): HTMLElement {
    const p = `students.${i}`;
    s.perceived ??= { race: [] } as Demographics;
    return h(
      "section",
      { class: "card student", "aria-label": `Student ${i + 1}` },
      h("h3", {}, `Student ${i + 1}`),
      textInput(`${p}.ref`, "Student number or initials", () => s.ref, (x) => (s.ref = x ?? ""), { help: "Kept on this phone encrypted; reports never show it." }),
      h("div", { class: "pair" },
        numberInput(`${p}.age`, "Age", () => s.age, (x) => (s.age = x ?? undefined)),
        numberInput(`${p}.grade`, "Grade (0 = K)", () => s.grade, (x) => (s.grade = x ?? undefined))),
      h("details", { open: !!(s.perceived && (s.perceived.race.length || s.perceived.sex)) },
        h("summary", {}, "What I perceived"),
        h("p", { class: "help" }, "Your own perception, as in stop-data laws. Leave blank what you did not perceive."),
        demographics(`${p}.perceived`, s.perceived, false)),
      h("details", { open: !!s.school_record },
        h("summary", {}, "From the school's records"),
        h("p", { class: "help" }, "Only values the school's education records state. Never copy your perception here."),
        s.school_record
          ? demographics(`${p}.school_record`, s.school_record, true)
          : h("button", { type: "button", class: "secondary", onclick: () => { s.school_record = { race: [] } as Demographics; changed(); } }, "Add values from school records")),
      h("details", { open: !!s.sogi },
        h("summary", {}, "Sexual orientation / gender identity"),
        h("p", { class: "help" }, "Record only what the student volunteered. Never ask, never guess."),
        (() => {
          const id = fieldId();
          return h("div", { class: "field", "data-field": `${p}.sogi.self_reported` },
            h("span", { class: "chip" },
              h("input", { type: "checkbox", id, checked: !!s.sogi, onchange: (e: Event) => { s.sogi = (e.target as HTMLInputElement).checked ? { self_reported: true } : undefined; changed(); } }),
              h("label", { for: id }, "The student volunteered this")),
            h("p", { class: "problem" }));
        })(),
        s.sogi
          ? [
              textInput(`${p}.sogi.sexual_orientation`, "Sexual orientation, in the student's words", () => s.sogi?.sexual_orientation, (x) => s.sogi && (s.sogi.sexual_orientation = x ?? undefined)),
              textInput(`${p}.sogi.gender_identity`, "Gender identity, in the student's words", () => s.sogi?.gender_identity, (x) => s.sogi && (s.sogi.gender_identity = x ?? undefined)),
            ]
          : ""),
      r.students.length > 1
        ? h("button", { type: "button", class: "secondary", onclick: () => { r.students.splice(i, 1); changed(); } }, `Remove student ${i + 1}`)
        : "",
    );
  }

  function deescalationBlock(): HTMLElement {
    return h(
      "section",
      { class: "card", "data-field": "deescalation", "aria-labelledby": "deesc-h" },
      h("h2", { id: "deesc-h" }, "De-escalation, in the order tried"),
      h("p", { class: "why" }, QUOTES.deescalation),
      h("ol", { class: "steps" }, r.deescalation.map((step, i) =>
        h("li", {},
          h("span", { class: "step-name" }, label(step.technique)),
          chips(`deescalation.${i}.effective`, "Did it help?", ["yes", "no"], () => (step.effective === true ? "yes" : step.effective === false ? "no" : null), (x) => (step.effective = x === "yes")),
          h("button", { type: "button", class: "secondary", "aria-label": `Remove ${label(step.technique)}`, onclick: () => { r.deescalation.splice(i, 1); changed(); } }, "Remove")))),
      h("p", { class: "help" }, "Tap each technique as you tried it:"),
      h("div", { class: "chip-row" }, v.technique.map((t) =>
        h("button", { type: "button", class: "add-step", onclick: () => { r.deescalation.push({ technique: t as never, at: new Date().toISOString(), note: null, effective: null }); changed(); } }, `+ ${label(t)}`))),
      h("p", { class: "problem" }),
    );
  }

  function custodyBlock(): HTMLElement {
    const c: Custody = (r.custody ??= {} as Custody);
    const anyDisability = r.students.some((s) => ["idea", "section_504"].includes(s.perceived?.disability ?? "") || ["idea", "section_504"].includes(s.school_record?.disability ?? ""));
    return h(
      "section",
      { class: "card custody", "aria-labelledby": "custody-h" },
      h("h2", { id: "custody-h" }, "Why custody was necessary at school"),
      h("p", { class: "help" }, "Detention, arrest, restraint, force and a frisk are reviewed with your supervisor. Each question below says why it is asked."),
      textInput("custody.basis", "The basis for it", () => c.basis, (x) => (c.basis = x), { multiline: true, help: "What the student did that made custody necessary." }),
      textInput("custody.probable_cause", "Factors supporting probable cause", () => c.probable_cause, (x) => (c.probable_cause = x), { multiline: true, help: QUOTES.probableCause }),
      textInput("custody.why_at_school", "Why it had to happen at school", () => c.why_at_school, (x) => (c.why_at_school = x), { multiline: true, help: "Custody at school is the exception; say why it could not wait or happen elsewhere." }),
      yesNo("custody.directed_by_administrator", "Did a school administrator direct it?", () => c.directed_by_administrator, (x) => (c.directed_by_administrator = x), QUOTES.administrator),
      chips("custody.removed_from_public_view", "Was the student removed from public view first?", v.removed_from_view, () => c.removed_from_public_view, (x) => (c.removed_from_public_view = x as Custody["removed_from_public_view"]), QUOTES.publicView),
      numberInput("custody.duration_minutes", "How long was the student held (minutes)", () => c.duration_minutes, (x) => (c.duration_minutes = x)),
      textInput("custody.guardian_notified_at", "When was the parent or guardian notified", () => (c.guardian_notified_at ? toLocalInput(c.guardian_notified_at) : null), (x) => (c.guardian_notified_at = (x && fromLocalInput(x)) || null), { type: "datetime-local" }),
      textInput("custody.guardian_not_notified_reason", "Or: why they were not notified", () => c.guardian_not_notified_reason, (x) => (c.guardian_not_notified_reason = x ?? undefined), { multiline: true }),
      current ? interrogationBlock() : "",
      textInput("custody.disability_modifications", anyDisability ? "Disability modifications made (needed: a student has a disability)" : "Disability modifications made", () => c.disability_modifications, (x) => (c.disability_modifications = x), { multiline: true, help: QUOTES.disability }),
      textInput("custody.immediate_risk", "Immediate serious risk of harm (only if you skipped de-escalation)", () => c.immediate_risk, (x) => (c.immediate_risk = x), { multiline: true }),
    );
  }

  function interrogationBlock(): HTMLElement {
    const i = r.interrogation;
    const set = (k: "rights_advised" | "guardian_present") => (x: boolean | null) => r.interrogation && (r.interrogation[k] = x ?? undefined);
    return h("div", {},
      // "No" drops the follow-up answers: they would say something untrue.
      yesNo("interrogation.questioned", "Was the student questioned about an offense?", () => i?.questioned, (x) => (r.interrogation = x === null ? undefined : x ? { ...(i ?? {}), questioned: true } : { questioned: false })),
      i?.questioned
        ? h("div", { class: "pair" },
            yesNo("interrogation.rights_advised", "Advised of their rights first?", () => i.rights_advised, set("rights_advised")),
            yesNo("interrogation.guardian_present", "Was a parent or guardian present?", () => i.guardian_present, set("guardian_present")))
        : "");
  }

  /** With an arrest, citation or court referral: charges, and where they went. */
  function chargesBlock(): HTMLElement {
    const c = r.charges;
    return h("section", { class: "card", "aria-labelledby": "charges-h" },
      h("h2", { id: "charges-h" }, "Charges"),
      yesNo("charges.filed", "Were charges filed or referred for charging?", () => c?.filed, (x) => (r.charges = x === null ? undefined : x ? { ...(c ?? {}), filed: true } : { filed: false })),
      c?.filed
        ? chips("charges.court", "Where did they go? (Pending if not known yet)", v.court_involvement, () => c.court, (x) => r.charges && (r.charges.court = (x ?? undefined) as never))
        : "");
  }

  /** The legal basis of each search and seizure the officer ticked. */
  function searchBasisBlock(): HTMLElement | string {
    const searches = r.actions.filter((a) => v.search_actions.includes(a));
    if (!searches.length) return "";
    const b = (r.search_basis ??= {});
    return h("section", { class: "card", "aria-labelledby": "search-h" },
      h("h2", { id: "search-h" }, "Legal basis"),
      searches.map((a) => chips(`search_basis.${a}`, `For the ${label(a).toLowerCase()}`, v.legal_basis, () => b[a as keyof typeof b], (x) => (b[a as keyof typeof b] = (x ?? undefined) as never))));
  }

  function render(): void {
    const focusedPath = (document.activeElement?.closest("[data-field]") as HTMLElement | null)?.dataset.field;
    const scroll = window.scrollY;
    if (r.location) localStorage.setItem(LAST_LOCATION, r.location);
    if (hasCustody()) r.custody ??= {} as Custody;
    const schools = session.user.schools;
    root.replaceChildren(
      h("header", { class: "bar" },
        h("button", { type: "button", class: "secondary", onclick: () => void app.go("list") }, "← Records"),
        h("h1", {}, wasSubmitted ? "Amend record" : stored ? "Edit draft" : "Log a contact")),
      status,
      !stored
        ? h("section", { class: "quick", "aria-label": "Quick start" }, h("div", { class: "chip-row" },
            QUICK.map((q) => h("button", { type: "button", class: "quick-btn", onclick: () => { q.apply(r); changed(); } }, q.name))))
        : "",
      h("form", { onsubmit: (e: Event) => e.preventDefault(), novalidate: true },
        textInput("occurred_at", "When", () => toLocalInput(r.occurred_at), (x) => (r.occurred_at = (x && fromLocalInput(x)) || r.occurred_at), { type: "datetime-local" }),
        schools.length > 1 ? select("school_id", "School", schools.map((s) => s.id), () => r.school_id, (x) => (r.school_id = x ?? r.school_id), (id) => schools.find((s) => s.id === id)?.name ?? id) : "",
        chips("location", "Where", v.location, () => r.location, (x) => (r.location = x as IncidentRecord["location"])),
        chips("initiated_by", "Who started it", v.initiated_by, () => r.initiated_by, (x) => {
          r.initiated_by = x as IncidentRecord["initiated_by"];
          if (x === "school_staff") r.request ??= { staff_id: null, staff_role: null, reason: null, requested_at: new Date().toISOString() };
        }),
        r.initiated_by === "school_staff" && r.request
          ? h("section", { class: "card" },
              h("h2", {}, "The staff request"),
              chips("request.staff_role", "Who asked", v.staff_role, () => r.request?.staff_role, (x) => r.request && (r.request.staff_role = x as never)),
              textInput("request.staff_id", "Their name or staff id (optional)", () => r.request?.staff_id, (x) => r.request && (r.request.staff_id = x)),
              textInput("request.reason", "What they asked you to do", () => r.request?.reason, (x) => r.request && (r.request.reason = x), { multiline: true }))
          : "",
        yesNo("would_warrant_911", "Honestly: would this have needed a 911 call?", () => r.would_warrant_911, (x) => (r.would_warrant_911 = x), r.initiated_by === "school_staff" ? QUOTES.nineOneOne : undefined),
        select("category", "What kind of matter", v.category, () => r.category, (x) => (r.category = x as IncidentRecord["category"])),
        !current && r.category === "criminal_offense"
          ? textInput("offense", "Offense", () => r.offense, (x) => (r.offense = x))
          : r.category === "criminal_offense" || r.offense_code
          ? h("section", { class: "card", "aria-label": "The offense" },
              select("offense_code", "Offense", v.offense_code, () => r.offense_code, (x) => (r.offense_code = (x ?? undefined) as IncidentRecord["offense_code"])),
              chips("offense_severity", "Severity under state law", v.severity, () => r.offense_severity, (x) => (r.offense_severity = (x ?? undefined) as IncidentRecord["offense_severity"])),
              textInput("offense", "Details of the offense (optional)", () => r.offense, (x) => (r.offense = x)))
          : "",
        select("sro_role", "Your role in it", v.sro_role, () => r.sro_role, (x) => (r.sro_role = x as IncidentRecord["sro_role"])),
        h("div", { "data-field": "students" }, r.students.map(studentBlock), h("p", { class: "problem" })),
        h("button", { type: "button", class: "secondary", onclick: () => { r.students.push(newStudent()); changed(); } }, "+ Add a student"),
        multi("actions", "What you did", v.action, () => r.actions as string[], (x) => {
          r.actions = x as IncidentRecord["actions"];
          // A basis for a search no longer ticked would describe nothing.
          for (const a of Object.keys(r.search_basis ?? {})) if (!x.includes(a)) delete (r.search_basis as Record<string, unknown>)[a];
        }),
        needsDeesc() || r.deescalation.length ? deescalationBlock() : "",
        hasCustody() ? custodyBlock() : "",
        current ? searchBasisBlock() : "",
        current && r.actions.some((a) => v.charge_actions.includes(a)) ? chargesBlock() : "",
        current && r.actions.includes("transport")
          ? chips("transport_out_of_view", "Was the student placed in the vehicle out of their peers' view?", v.removed_from_view, () => r.transport_out_of_view, (x) => (r.transport_out_of_view = (x ?? undefined) as IncidentRecord["transport_out_of_view"]), QUOTES.transport)
          : "",
        r.late_reason != null || validate(r).some((p) => p.field === "late_reason")
          ? textInput("late_reason", "Why is this entry late?", () => r.late_reason, (x) => (r.late_reason = x ?? undefined), { multiline: true, help: `Entered more than ${v.late_entry_hours} hours after the interaction.` })
          : "",
        textInput("narrative", "Narrative (optional)", () => r.narrative, (x) => (r.narrative = x), { multiline: true }),
        wasSubmitted
          ? field("amendments", "Why are you changing a submitted record?", h("textarea", { id: "amend-reason", rows: 2, oninput: (e: Event) => (amendment = (e.target as HTMLTextAreaElement).value) }, amendment))
          : "",
        problemBox,
        h("div", { class: "actions-bar" },
          !wasSubmitted ? h("button", { type: "button", class: "secondary", onclick: async () => { await commit(); await app.go("list"); } }, "Save draft") : "",
          h("button", { type: "button", id: "submit", class: "primary", onclick: () => void submit() }, "Submit"))),
    );
    refreshProblems();
    window.scrollTo(0, scroll);
    if (focusedPath) root.querySelector<HTMLElement>(`[data-field="${focusedPath}"] input, [data-field="${focusedPath}"] select, [data-field="${focusedPath}"] textarea`)?.focus({ preventScroll: true });
  }

  async function submit(): Promise<void> {
    tried = true;
    // Drawn again: a question may be due now that was not (a late entry).
    render();
    if (problems.length) {
      problemBox.querySelector("h2")?.scrollIntoView({ block: "center" });
      return;
    }
    const wasDraft = r.status === "draft";
    r.status = "submitted";
    r.submitted_at ??= new Date().toISOString();
    try {
      await session.save(r, wasSubmitted ? amendment : undefined);
      await app.go("detail", r.id);
    } catch (e) {
      if (wasDraft) {
        r.status = "draft";
        r.submitted_at = null;
      }
      const p = problemsOf(e);
      problemBox.replaceChildren(h("div", { class: "problems", role: "alert" }, h("h2", {}, "Not submitted"), h("ul", {}, (p ?? [{ message: String(e) }]).map((x) => h("li", {}, x.message)))));
    }
  }

  render();
  return root;
}
