// Seeds one officer's records on a demo server for the phone budgets (issue
// 15): submitted records of varied shape, all inside the device's retention
// window, created through POST /api/v1/incidents with the officer's token, a
// few requests at a time (the server takes writes one at a time anyway; more
// in flight only queue). Deterministic: record k is the same on every run.
import { apiToken } from "../tests/server";

export interface Officer {
  token: string;
  schools: string[];
}

async function getJson<T>(base: string, token: string, path: string): Promise<T> {
  const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`GET ${path.split("?")[0]}: ${res.status}`);
  return (await res.json()) as T;
}

/** A fresh token for `username` (access tokens outlive one size's seeding, not the whole run). */
export async function officer(base: string, username: string): Promise<Officer> {
  const token = await apiToken(base, username);
  const me = await getJson<{ schools: Array<{ id: string }> }>(base, token, "/api/v1/me");
  return { token, schools: me.schools.map((s) => s.id) };
}

/**
 * The oldest time a device keeps synced records: the start of the previous
 * review period (the server's default of two periods), read from the
 * calendar as a supervisor sees it.
 */
export async function windowStart(base: string, supervisor: string): Promise<number> {
  const token = await apiToken(base, supervisor);
  const p = await getJson<{ recent: Array<{ start: string }> }>(base, token, "/api/v1/review-periods");
  return Date.parse(p.recent[1].start);
}

/** How many records the officer may read that occurred since `from` (the demo's, before seeding). */
export async function countSince(base: string, o: Officer, from: number): Promise<number> {
  let n = 0;
  let cursor: string | null = null;
  do {
    const q = new URLSearchParams({ from: new Date(from).toISOString() });
    if (cursor) q.set("cursor", cursor);
    const page: { items: unknown[]; next_cursor: string | null } = await getJson(base, o.token, `/api/v1/incidents?${q}`);
    n += page.items.length;
    cursor = page.next_cursor;
  } while (cursor);
  return n;
}

/** A small deterministic generator (mulberry32), so record k never changes. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const iso = (ms: number) => new Date(ms).toISOString();

/** Record k: a school day's interaction between `from` and `to`, submitted an hour later. */
export function record(k: number, schools: string[], from: number, to: number): Record<string, unknown> {
  const r = rng(0x15_0000 + k);
  const day = Math.floor(from / 86_400_000) + 1 + Math.floor(r() * Math.max(1, Math.floor((to - from) / 86_400_000) - 2));
  // 12:30 to 20:30 UTC: school hours in the demo's time zones.
  const occurred = day * 86_400_000 + (750 + Math.floor(r() * 480)) * 60_000;
  const staff = r() < 0.4;
  const category = pick(r, ["relationship_building", "relationship_building", "welfare_check", "mental_health_crisis", "code_of_conduct", "safety_threat", "education_presentation"] as const);
  const students = Array.from({ length: r() < 0.7 ? 1 : 2 }, () => ({
    ref: `S-${10_000 + Math.floor(r() * 90_000)}`,
    age: 12 + Math.floor(r() * 7),
    grade: 6 + Math.floor(r() * 7),
    perceived: { race: [pick(r, ["white", "black", "asian", "american_indian_alaska_native"] as const)], hispanic_latino: r() < 0.3, sex: pick(r, ["female", "male"] as const), disability: "unknown" },
    // Half the students have school-record values: the record's restricted document.
    school_record: r() < 0.5 ? { race: [pick(r, ["white", "black", "asian"] as const)], hispanic_latino: r() < 0.3, sex: pick(r, ["female", "male"] as const), disability: pick(r, ["none", "section_504", "idea"] as const), english_learner: pick(r, ["no", "no", "yes"] as const) } : null,
  }));
  const deescalation = r() < 0.3 ? [{ technique: pick(r, ["verbal", "time_and_space", "offered_choices", "calm_location"] as const), at: iso(occurred + 60_000), note: null, effective: true }] : [];
  return {
    school_id: pick(r, schools),
    occurred_at: iso(occurred),
    ended_at: iso(occurred + (5 + Math.floor(r() * 40)) * 60_000),
    location: pick(r, ["hallway", "classroom", "cafeteria", "office", "grounds", "parking", "gym"] as const),
    initiated_by: staff ? "school_staff" : pick(r, ["self", "self", "student", "dispatch"] as const),
    request: staff ? { staff_id: `staff-${Math.floor(r() * 25)}`, staff_role: pick(r, ["teacher", "administrator", "counselor"] as const), reason: pick(r, ["refused to leave class", "argument in the hallway", "student asked for help"] as const), requested_at: iso(occurred) } : null,
    category,
    would_warrant_911: category === "safety_threat" || category === "mental_health_crisis" ? r() < 0.5 : false,
    offense: null,
    sro_role: pick(r, ["safety_educator", "informal_counselor", "law_enforcement_problem_solver", "emergency_manager"] as const),
    students,
    deescalation,
    actions: [pick(r, ["none", "counseled", "referred_to_counselor", "referred_to_administrator", "guardian_contacted", "warning"] as const)],
    custody: null,
    narrative: pick(r, [
      "Checked in with the student after an argument at lunch; calm by the end of the talk and back to class.",
      "Student came to the office upset about a conflict with a classmate. Talked it through and walked them to the counselor.",
      "Staff asked for help with a student who would not leave the hallway; talked with the student, who went back to class.",
      "Presentation to a ninth-grade class on online safety, followed by questions.",
    ]),
    status: "submitted",
    submitted_at: iso(occurred + 3_600_000),
    amendments: [],
  };
}

/**
 * Creates records `first` to `first + n - 1` (by index k), `parallel` at a
 * time; throws on the first refusal. Returns the seconds it took.
 */
export async function seed(base: string, o: Officer, first: number, n: number, from: number, to: number, parallel = 4): Promise<number> {
  const t0 = Date.now();
  let next = first;
  const end = first + n;
  const worker = async () => {
    while (next < end) {
      const k = next++;
      const res = await fetch(`${base}/api/v1/incidents`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${o.token}` },
        body: JSON.stringify(record(k, o.schools, from, to)),
      });
      // The answer is the record itself: read and dropped, never logged.
      await res.arrayBuffer();
      if (res.status !== 201) throw new Error(`seeding record ${k}: ${res.status}`);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return (Date.now() - t0) / 1000;
}
