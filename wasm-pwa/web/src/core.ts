// The domain core, compiled to wasm: every rule, flag and sync step comes from
// it. This module only loads it and converts JSON at the boundary.
import init, { Core, flags as coreFlags, validate as coreValidate, vocabulary as coreVocabulary } from "../pkg/wasm_pwa.js";
import type { Record as IncidentRecord } from "./wire/Record";
import type { Problem } from "./wire/Problem";
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
  custody_actions: string[];
  deescalation_actions: string[];
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
  return JSON.parse(coreValidate(JSON.stringify(r), Date.now())) as Problem[];
}

export function flags(r: IncidentRecord): Flag[] {
  return JSON.parse(coreFlags(JSON.stringify(r), Date.now())) as Flag[];
}

/** The core throws validation problems as a JSON array in the message. */
export function problemsOf(e: unknown): Problem[] | undefined {
  const msg = e instanceof Error ? e.message : String(e);
  if (!msg.startsWith("[")) return undefined;
  try {
    return JSON.parse(msg) as Problem[];
  } catch {
    return undefined;
  }
}

export function newCore(user: string, device: string): Core {
  return new Core(user, device);
}

export function restoreCore(user: string, device: string, state: Uint8Array, docs: Array<[string, Uint8Array]>): Core {
  const flat: unknown[] = [];
  for (const [id, bytes] of docs) flat.push(id, bytes);
  return Core.restore(user, device, state, flat);
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
