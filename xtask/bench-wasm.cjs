// The core's per-record cost in wasm, run by `cargo xtask bench`: create+save
// timed inside wasm (performance.now), and the module's size, raw and gzipped.
const fs = require("fs");
const zlib = require("zlib");
const path = require("path");
const dir = path.resolve(process.argv[2]);
const core = require(path.join(dir, "wasm_pwa.js"));
const wasm = fs.readFileSync(path.join(dir, "wasm_pwa_bg.wasm"));

const t0 = Date.parse("2026-09-14T10:05:00Z");
const record = {
  id: "01932c07-0000-7000-8000-000000000001",
  school_id: "01932c07-0000-7000-8000-000000000002",
  officer_id: "01932c07-0000-7000-8000-000000000004",
  occurred_at: "2026-09-14T10:05:00Z", ended_at: "2026-09-14T10:20:00Z",
  location: "hallway", initiated_by: "school_staff",
  request: { staff_id: null, staff_role: "teacher", reason: "student refused to leave class", requested_at: "2026-09-14T10:00:00Z" },
  category: "code_of_conduct", would_warrant_911: false, sro_role: "informal_counselor",
  students: [{ key: "01932c07-0000-7000-8000-000000000003", ref: "S-20417", age: 15, grade: 10,
    perceived: { race: ["black"], hispanic_latino: false, sex: "female", disability: "unknown" },
    school_record: { disability: "section_504", english_learner: "no" } }],
  deescalation: [{ technique: "verbal", at: "2026-09-14T10:06:00Z", note: "talked it through", effective: true }],
  actions: ["referred_to_administrator"],
  narrative: "Teacher asked me to remove a student; declined and referred back.",
  status: "submitted", submitted_at: "2026-09-14T10:35:00Z",
};
const json = JSON.stringify(record);
core.bench_create_save(json, 200); // warm up
const us = Array.from(core.bench_create_save(json, 2000)).sort((a, b) => a - b);
const q = (p) => us[Math.min(us.length - 1, Math.floor(p * us.length))] / 1000;
const v0 = performance.now();
for (let i = 0; i < 2000; i++) core.validate(json, t0);
const validateMs = (performance.now() - v0) / 2000;
console.log(`wasm create+save: p50 ${q(0.5).toFixed(3)} ms, p99 ${q(0.99).toFixed(3)} ms (n=${us.length}; target p99 <= 3 ms)`);
console.log(`wasm validate (JSON in, JSON out): ${(validateMs * 1000).toFixed(1)} us per record`);
console.log(`wasm size: ${wasm.length} bytes raw, ${zlib.gzipSync(wasm, { level: 9 }).length} bytes gzipped (target <= 400 KB)`);
