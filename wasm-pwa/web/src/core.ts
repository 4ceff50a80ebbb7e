// The domain core, compiled to wasm: every rule, flag and sync step comes from
// it. This module only loads it and converts JSON at the boundary.
import init, { Core, federal_policy as coreFederalPolicy, withholdable_grants as coreWithholdable, flags as coreFlags, report_years as coreReportYears, validate as coreValidate, vocabulary as coreVocabulary } from "../pkg/wasm_pwa.js";
import type { Record as IncidentRecord } from "./wire/Record";
import type { Problem } from "./wire/Problem";
import type { Policy } from "./wire/Policy";
import type { Grant } from "./wire/Grant";
import type { Flag } from "./wire/Flag";
import type { Review } from "./wire/Review";

export type { IncidentRecord, Problem, Flag, Review, Core };

export interface Vocabulary {
  location: string[];
  initiated_by: string[];
  staff_role: string[];
  category: string[];
  sro_role: string[];
  race: string[];
  sex: string[];
  disability: string[];
  english_learner: string[];
  technique: string[];
  action: string[];
  removed_from_view: string[];
  finding: string[];
  legal_basis: string[];
  offense_code: string[];
  severity: string[];
  custody_actions: string[];
  deescalation_actions: string[];
  /** As the first rules had them: for amending a record submitted under them. */
  first_custody_actions: string[];
  first_deescalation_actions: string[];
  search_actions: string[];
  charge_actions: string[];
  court_involvement: string[];
  /** Training topics (`training::Topic`). */
  topic: string[];
  late_entry_hours: number;
  max_duration_minutes: number;
  /** The rules a submission today is checked against (`rules::version`). */
  rules_version: number;
}

let vocab: Vocabulary | undefined;

export async function loadCore(): Promise<void> {
  await init();
  vocab = JSON.parse(coreVocabulary()) as Vocabulary;
}

export function vocabulary(): Vocabulary {
  if (!vocab) throw new Error("core not loaded");
  return vocab;
}

export function validate(r: IncidentRecord): Problem[] {
  return plainProblems(coreValidate(JSON.stringify(r), Date.now()));
}

/** The core's problems as plain values (the wasm objects are freed). */
function plainProblems(ps: Array<{ code: string; field: string; message: string; free(): void }>): Problem[] {
  return ps.map((p) => {
    const out = { code: p.code, field: p.field, message: p.message } as Problem;
    p.free();
    return out;
  });
}

/** DOMAIN.md section 3's table: what an agreement may only narrow. */
export function federalPolicy(): Policy {
  return JSON.parse(coreFederalPolicy()) as Policy;
}

/** The federal grants an agreement may withhold (the core's rule). */
export function withholdableGrants(): Grant[] {
  return JSON.parse(coreWithholdable()) as Grant[];
}

/** The school years a report may cover now, newest first (the core's rule). */
export function reportYears(n: number): string[] {
  return coreReportYears(Date.now(), n);
}

export function flags(r: IncidentRecord): Flag[] {
  return JSON.parse(coreFlags(JSON.stringify(r), Date.now())) as Flag[];
}

/** A save the core refused, with every broken rule. */
export class ProblemsError extends Error {
  constructor(readonly problems: Problem[]) {
    super(`the record breaks ${problems.length} rule(s)`);
  }
}

export function problemsOf(e: unknown): Problem[] | undefined {
  return e instanceof ProblemsError ? e.problems : undefined;
}

/** One line of the officer's list, from the core's summary. */
export interface Row {
  id: string;
  draft: boolean;
  category: string | null;
  location: string | null;
  /** Milliseconds since the epoch. */
  occurred_at: number;
  students: number;
  state: { kind: "saved_on_device" } | { kind: "synced" } | { kind: "refused"; reason: string };
}

export function openCore(user: string, device: string, state: Uint8Array, live: number): Core {
  return Core.open(user, device, state, live);
}

/** A UUID v7 (time-ordered), as API.md asks for record ids. */
export function uuidv7(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  let ms = Date.now();
  for (let i = 5; i >= 0; i--) {
    b[i] = ms & 0xff;
    ms = Math.floor(ms / 256);
  }
  b[6] = (b[6] & 0x0f) | 0x70;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
