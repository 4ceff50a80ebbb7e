// IndexedDB: everything here is ciphertext (vault.ts) except the device id,
// the user id and the wrapped keys, none of which identify a student.
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
}

export type Db = IDBPDatabase;

export function openDb(): Promise<Db> {
  return openDB("fieldlog", 1, {
    upgrade(db) {
      db.createObjectStore("meta");
      db.createObjectStore("docs");
    },
  });
}

export async function getMeta(db: Db): Promise<Meta | undefined> {
  return db.get("meta", "meta");
}

export async function putMeta(db: Db, meta: Meta): Promise<void> {
  await db.put("meta", meta, "meta");
}

export async function allDocs(db: Db): Promise<Array<[string, Sealed]>> {
  const tx = db.transaction("docs");
  const keys = (await tx.store.getAllKeys()) as string[];
  const values = (await tx.store.getAll()) as Sealed[];
  return keys.map((k, i) => [k, values[i]]);
}

/** Writes documents and (optionally) the meta record in one transaction. */
export async function putDocs(db: Db, docs: Array<[string, Sealed]>, meta?: Meta): Promise<void> {
  const tx = db.transaction(["docs", "meta"], "readwrite");
  for (const [id, sealed] of docs) void tx.objectStore("docs").put(sealed, id);
  if (meta) void tx.objectStore("meta").put(meta, "meta");
  await tx.done;
}

export async function deleteDocs(db: Db, ids: string[]): Promise<void> {
  const tx = db.transaction("docs", "readwrite");
  for (const id of ids) void tx.store.delete(id);
  await tx.done;
}

export async function wipe(db: Db): Promise<void> {
  const tx = db.transaction(["docs", "meta"], "readwrite");
  await tx.objectStore("docs").clear();
  await tx.objectStore("meta").clear();
  await tx.done;
}
