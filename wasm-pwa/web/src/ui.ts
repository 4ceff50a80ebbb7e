// A tiny DOM builder: the app is small enough not to need a framework, and
// every kilobyte counts on a phone's first load.

type Child = Node | string | number | false | null | undefined;
type Props = { [key: string]: unknown };

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Array<Child | Child[]>): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v as EventListener);
    else if (k === "class") el.className = String(v);
    else if (k === "value" && "value" in el) (el as HTMLInputElement).value = String(v);
    else if (k === "checked") (el as HTMLInputElement).checked = Boolean(v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === false || c === null || c === undefined) continue;
    el.append(typeof c === "object" ? c : String(c));
  }
  return el;
}

const LABELS: Record<string, string> = {
  // Training topics (`training::Topic`).
  sro_basic: "SRO basic course",
  ferpa: "FERPA",
  cpted: "CPTED (safety by design)",
  de_escalation: "De-escalation",
  bias_free_policing: "Bias-free policing",
  drug_alcohol: "Drugs and alcohol",
  seclusion_restraint: "Seclusion and restraint",
  self: "I started it",
  school_staff: "School staff asked",
  parent_guardian: "Parent or guardian",
  section_504: "Section 504",
  idea: "IDEA (IEP)",
  off_campus: "Off campus",
  law_enforcement_problem_solver: "Law enforcement / problem solver",
  american_indian_alaska_native: "American Indian or Alaska Native",
  native_hawaiian_pacific_islander: "Native Hawaiian or Pacific Islander",
  saved_on_device: "Saved on phone",
  not_possible: "Not possible",
  none: "None",
  larceny_theft: "Larceny / theft",
  destruction_vandalism: "Destruction / vandalism",
  drug_narcotic_violation: "Drug / narcotic violation",
  curfew_loitering: "Curfew / loitering",
  tobacco_vaping: "Tobacco / vaping",
  search_person: "Search of the person",
  search_property: "Search of property",
};

/** A person's words for a wire value: `off_campus` -> "Off campus". */
export function label(value: string): string {
  const known = LABELS[value];
  if (known) return known;
  const s = value.replace(/_/g, " ");
  return s.charAt(0).toUpperCase() + s.slice(1);
}

let fieldSeq = 0;
export function fieldId(): string {
  return `f${++fieldSeq}`;
}

// One formatter for every date: `toLocaleString` builds a new one per call,
// which cost 8.6 s per redraw of a 5,000-record list (issue 15).
const DATE = new Intl.DateTimeFormat([], { dateStyle: "medium", timeStyle: "short" });

export function when(d: string | number | null | undefined): string {
  if (d === null || d === undefined || d === "") return "";
  return DATE.format(new Date(d));
}

/** `datetime-local` wants local time without a zone. */
export function toLocalInput(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function fromLocalInput(v: string): string | null {
  if (!v) return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}
