// IndexedDB: everything here is ciphertext (vault.ts) except the device id,
// the user id, the wrapped keys and the stores' keys (record ids and bucket
// numbers), none of which identify a student.
//
// Since issue 15 a record is one sealed blob ("records", keyed by record
// id) and the list reads small sealed summary buckets ("index"), so
// unlocking never decrypts every record. Version 1 kept one blob per
// Automerge document ("docs"); session.ts adopts those once and deletes them.
import { openDB, type IDBPDatabase } from "idb";
import type { Sealed, WrappedKeys } from "./vault";

export interface Meta {
  device: string;
  /** Whose records these are: a device holds one officer's records at a time. */
  user: string;
  keys: WrappedKeys;
  /** Tokens and the profile, sealed; absent after sign-out. */
  session?: Sealed;
  /** The sync state, sealed; dropped at sign-out (the next sign-in pulls afresh). */
  state?: Sealed;
  /** 2 once the records are in the per-record format. */
  format?: number;
  /** Record blobs may lack summaries (after sign-out): rebuild them at the next open. */
  heal?: boolean;
  /** The phone unlocks with a passphrase the officer chose (a sign-in through an identity provider), not their password. */
  passphrase?: boolean;
}

export type Db = IDBPDatabase;

export function openDb(): Promise<Db> {
  return openDB("fieldlog", 2, {
    upgrade(db, oldVersion) {
      if (oldVersion < 1) {
        db.createObjectStore("meta");
        db.createObjectStore("docs");
      }
      if (oldVersion < 2) {
        db.createObjectStore("records");
        db.createObjectStore("index");
      }
    },
  });
}

export async function getMeta(db: Db): Promise<Meta | undefined> {
  return db.get("meta", "meta");
}

export async function putMeta(db: Db, meta: Meta): Promise<void> {
  await db.put("meta", meta, "meta");
}

export async function allBuckets(db: Db): Promise<Array<[string, Sealed]>> {
  const tx = db.transaction("index");
  const keys = (await tx.store.getAllKeys()) as string[];
  const values = (await tx.store.getAll()) as Sealed[];
  return keys.map((k, i) => [k, values[i]]);
}

export async function recordKeys(db: Db): Promise<string[]> {
  return (await db.getAllKeys("records")) as string[];
}

export async function getRecord(db: Db, id: string): Promise<Sealed | undefined> {
  return db.get("records", id);
}

/** Version 1's per-document blobs, if any are left. */
export async function legacyDocs(db: Db): Promise<Array<[string, Sealed]>> {
  const tx = db.transaction("docs");
  const keys = (await tx.store.getAllKeys()) as string[];
  const values = (await tx.store.getAll()) as Sealed[];
  return keys.map((k, i) => [k, values[i]]);
}

export interface Write {
  records: Array<[string, Sealed]>;
  buckets: Array<[string, Sealed]>;
  dropped: string[];
  meta?: Meta;
  /** Clears the summary index first (sign-out keeps records, not the index). */
  clearIndex?: boolean;
  legacyDone?: boolean;
}

/** Everything one change wrote, in one transaction. */
export async function write(db: Db, w: Write): Promise<void> {
  const tx = db.transaction(["records", "index", "meta", "docs"], "readwrite");
  const records = tx.objectStore("records");
  const index = tx.objectStore("index");
  if (w.clearIndex) void index.clear();
  for (const [id, sealed] of w.records) void records.put(sealed, id);
  for (const id of w.dropped) void records.delete(id);
  for (const [b, sealed] of w.buckets) void index.put(sealed, b);
  if (w.meta) void tx.objectStore("meta").put(w.meta, "meta");
  if (w.legacyDone) void tx.objectStore("docs").clear();
  await tx.done;
}

export async function wipe(db: Db): Promise<void> {
  const tx = db.transaction(["docs", "meta", "records", "index"], "readwrite");
  for (const s of ["docs", "meta", "records", "index"] as const) void tx.objectStore(s).clear();
  await tx.done;
}
