// The peer's side of the benchmark: devices as automerge-repo clients, one
// document per record (automerge-repo's unit of sync), driven phase by phase
// by the Rust benchmark over stdin/stdout so both products run the same
// workload from the same records.
//
// Protocol: the benchmark writes one JSON command per line; the client
// answers one JSON line per command.
//   {"op":"upload","devices":D,"records":"path.json","storage":dir?}
//       D devices share the records; each creates its documents and waits
//       until the server's sync state shows the server holds their heads.
//   {"op":"pull","urls":"path.json"}  a fresh device finds every document.
//   {"op":"reconnect","storage":dir,"urls":"path.json"}  a device that holds the
//       documents in its own storage comes back and syncs them.
//   {"op":"edit","storage":dir,"urls":"path.json","edits":"path.json"}
import { Repo } from "@automerge/automerge-repo";
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket";
import { NodeFSStorageAdapter } from "@automerge/automerge-repo-storage-nodefs";
import { readFileSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";

const url = process.argv[2];
const TIMEOUT_MS = Number(process.env.PEER_TIMEOUT_MS ?? 600_000);

function device(storageDir) {
  const network = new WebSocketClientAdapter(url);
  const repo = new Repo({
    network: [network],
    storage: storageDir ? new NodeFSStorageAdapter(storageDir) : undefined,
    sharePolicy: async () => true,
  });
  return { repo, network };
}

async function serverStorageId(repo) {
  for (let i = 0; i < 6000; i++) {
    for (const m of Object.values(repo.peerMetadataByPeerId)) {
      if (m && m.storageId) return m.storageId;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error("the peer server never announced its storage id");
}

const same = (a, b) => a && b && a.length === b.length && a.every((h, i) => h === b[i]);

// Resolves when the server's acknowledged heads equal ours.
function acknowledged(handle, storageId) {
  return new Promise((resolve, reject) => {
    const check = () => {
      const info = handle.getSyncInfo(storageId);
      if (info && same(info.lastHeads, handle.heads())) {
        handle.off("remote-heads", check);
        clearTimeout(timer);
        resolve();
      }
    };
    const timer = setTimeout(() => {
      handle.off("remote-heads", check);
      reject(new Error("not acknowledged in time"));
    }, TIMEOUT_MS);
    handle.on("remote-heads", check);
    check();
  });
}

async function settle(promises) {
  const results = await Promise.allSettled(promises);
  return results.filter((r) => r.status === "rejected").length;
}

async function upload({ devices, records, storage }) {
  const all = JSON.parse(readFileSync(records, "utf8"));
  const per = Math.ceil(all.length / devices);
  const t0 = performance.now();
  const urls = [];
  const waits = [];
  const repos = [];
  for (let d = 0; d < devices; d++) {
    const { repo } = device(storage ? `${storage}-${d}` : undefined);
    repos.push(repo);
    const sid = await serverStorageId(repo);
    for (const rec of all.slice(d * per, (d + 1) * per)) {
      const h = repo.create(rec);
      urls.push(h.url);
      waits.push(acknowledged(h, sid));
    }
  }
  const failures = await settle(waits);
  const ms = performance.now() - t0;
  for (const r of repos) await r.flush();
  await Promise.all(repos.map((r) => r.shutdown()));
  return { ms, records: all.length, failures, urls };
}

async function pull({ urls }) {
  const list = JSON.parse(readFileSync(urls, "utf8"));
  const { repo } = device();
  const t0 = performance.now();
  const failures = await settle(
    list.map((u) =>
      repo.find(u, { signal: AbortSignal.timeout(TIMEOUT_MS) }).then((h) => {
        if (!h.doc()) throw new Error("empty");
      }),
    ),
  );
  const ms = performance.now() - t0;
  await repo.shutdown();
  return { ms, records: list.length, failures };
}

async function reopen({ storage, urls }, change) {
  const list = JSON.parse(readFileSync(urls, "utf8"));
  const { repo } = device(storage);
  const t0 = performance.now();
  const sid = await serverStorageId(repo);
  const handles = await Promise.all(list.map((u) => repo.find(u)));
  change?.(handles);
  const failures = await settle(handles.map((h) => acknowledged(h, sid)));
  const ms = performance.now() - t0;
  await repo.flush();
  await repo.shutdown();
  return { ms, records: list.length, failures };
}

const reconnect = (cmd) => reopen(cmd);

function edit(cmd) {
  const edits = JSON.parse(readFileSync(cmd.edits, "utf8"));
  return reopen(cmd, (handles) =>
    handles.forEach((h, i) =>
      h.change((d) => {
        d.narrative = edits[i].narrative;
        d.location = edits[i].location;
      }),
    ),
  );
}

const ops = { upload, pull, reconnect, edit };
const rl = createInterface({ input: process.stdin });
for await (const line of rl) {
  if (!line.trim()) continue;
  const cmd = JSON.parse(line);
  try {
    const out = await ops[cmd.op](cmd);
    if (out.urls && cmd.urls_out) {
      writeFileSync(cmd.urls_out, JSON.stringify(out.urls));
      delete out.urls;
    }
    console.log(JSON.stringify({ ok: true, ...out }));
  } catch (e) {
    console.log(JSON.stringify({ ok: false, error: String(e) }));
  }
}
