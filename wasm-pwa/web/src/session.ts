// A signed-in, unlocked device: the core replica, the data key and the tokens.
// Every change is persisted (encrypted) before the call returns; sync runs
// whenever the network allows.
//
// Issue 15: the core keeps a summary of every record and only a few records'
// documents in memory. Before reading or editing a record the app `ensure`s
// it (loads its sealed blob); a sync reply is applied a few records per
// main-thread task, yielding in between, so the phone never freezes.
import * as api from "./api";
import { openCore, uuidv7, ProblemsError, type Core, type IncidentRecord, type Problem, type Review, type Row } from "./core";
import { allBuckets, getMeta, getRecord, legacyDocs, putMeta, recordKeys, wipe, write, type Db, type Meta } from "./db";
import { createKeys, open, openJson, recoverWithServer, seal, sealJson, unlockWithPassword, type Sealed } from "./vault";

export type RecordState = { kind: "saved_on_device" } | { kind: "synced" } | { kind: "refused"; reason: string; field?: string };

interface Secrets {
  tokens: api.Tokens;
  /** When this device last reached the server (ms); sealed, so the offline lapse cannot be reset by editing storage without the key. */
  contact?: number;
}

/** Why a session ended without the officer asking. */
export type Ended = "disabled" | "expired";

export class SignInError extends Error {}

/** Records whose documents stay in wasm memory between calls. */
const LIVE = 16;
/** Records of a sync reply applied per main-thread task. */
const STEP = 20;
/** How stale the sealed time of last contact may get (the offline lapse is in hours). */
const CONTACT_RESEAL_MS = 10 * 60 * 1000;
/** Unsynced records loaded for one push. */
const OUTBOX_PER_ROUND = 200;

const recordLabel = (id: string) => `record/${id}`;
const bucketLabel = (b: string) => `index/${b}`;

export function yieldToMain(): Promise<void> {
  const s = (globalThis as { scheduler?: { yield?: () => Promise<void> } }).scheduler;
  return s?.yield ? s.yield() : new Promise((ok) => setTimeout(ok, 0));
}

/** Opens the device's records: the sync state and the summary buckets, no document. */
async function loadCore(db: Db, meta: Meta, dek: CryptoKey): Promise<{ core: Core; unsaved: boolean }> {
  // A version-1 state describes per-document blobs: start from a fresh cursor.
  const state = meta.state && meta.format === 2 ? await open(dek, "state", meta.state) : new Uint8Array();
  const core = openCore(meta.user, meta.device, state, LIVE);
  for (const [b, sealed] of await allBuckets(db)) {
    core.add_bucket(await open(dek, bucketLabel(b), sealed));
  }
  let unsaved = false;
  // Blobs without a summary (sign-out keeps the outbox but not the index):
  // loading one rebuilds its summary. Only then, so that an unlock at 20,000
  // records does not ask the core about each of them.
  if (meta.heal || meta.format !== 2) {
    for (const id of await recordKeys(db)) {
      if (core.holds(id)) continue;
      const sealed = await getRecord(db, id);
      if (sealed) core.load(id, await open(dek, recordLabel(id), sealed));
      unsaved = true;
    }
  }
  for (const [doc, sealed] of await legacyDocs(db)) {
    core.adopt(doc, await open(dek, doc, sealed));
    unsaved = true;
  }
  return { core, unsaved };
}

export class Session {
  private syncing: Promise<void> | undefined;
  private syncTimer: number | undefined;
  lastSync: Date | undefined;
  lastError: string | undefined;
  /** Records changed (a save, or a sync that brought or settled something). */
  onChange: () => void = () => {};
  /** Only the sync line changed (online, last synced, an error). */
  onStatus: () => void = () => {};
  /** The server ended this session: the account was disabled, or the sign-in reached its end. */
  onEnded: (why: Ended) => void = () => {};

  private constructor(
    private readonly db: Db,
    private meta: Meta,
    private readonly dek: CryptoKey,
    readonly core: Core,
    private tokens: api.Tokens,
  ) {}

  get user(): api.Me {
    return this.tokens.user;
  }

  /** Online sign-in with a password, which also unlocks the phone offline. */
  static signIn(db: Db, username: string, password: string, askCode: api.AskCode): Promise<Session> {
    return Session.begin(db, (device) => api.login(username, password, device, askCode), async () => password, false);
  }

  /**
   * Online sign-in through the agency's identity provider: the ticket it
   * brought back, then a passphrase the officer chooses for unlocking this
   * phone offline (no password of theirs ever reaches the app).
   */
  static withTicket(db: Db, ticket: string, askCode: api.AskCode, choosePassphrase: () => Promise<string>): Promise<Session> {
    return Session.begin(db, (device) => api.redeemTicket(ticket, device, askCode), choosePassphrase, true);
  }

  /** Opens (or creates) this device's encrypted store after a sign-in. */
  private static async begin(db: Db, obtain: (device: string) => Promise<api.Tokens>, unlockSecret: () => Promise<string>, passphrase: boolean): Promise<Session> {
    let meta = await getMeta(db);
    const device = meta?.device ?? uuidv7();
    const { device_secret, previous_device_secrets, ...tokens } = await obtain(device);
    if (!device_secret) throw new SignInError("The server sent no key for this phone.");
    const secret = api.secretBytes(device_secret);
    const previous = (previous_device_secrets ?? []).map(api.secretBytes);
    if (meta && meta.user !== tokens.user.id) {
      throw new SignInError(
        "This phone still holds another officer's unsynced records. They must sign in and sync before anyone else uses it.",
      );
    }
    const password = await unlockSecret();
    let dek: CryptoKey;
    if (meta) {
      ({ dek, wrapped: meta.keys } = await recoverWithServer(meta.keys, secret, previous, password));
    } else {
      const created = await createKeys(password, secret);
      dek = created.dek;
      meta = { device, user: tokens.user.id, keys: created.wrapped };
    }
    meta.passphrase = passphrase;
    secret.fill(0);
    for (const p of previous) p.fill(0);
    meta.session = await sealJson(dek, "session", { tokens, contact: Date.now() } satisfies Secrets);
    await putMeta(db, meta);
    return Session.opened(db, meta, dek, tokens);
  }

  private static async opened(db: Db, meta: Meta, dek: CryptoKey, tokens: api.Tokens): Promise<Session> {
    const { core, unsaved } = await loadCore(db, meta, dek);
    const s = new Session(db, meta, dek, core, tokens);
    if (unsaved) await s.persist();
    if (meta.heal) {
      delete meta.heal;
      await putMeta(db, meta);
    }
    return s;
  }

  /** Offline (or online) unlock with the password after a reload or an idle lock. */
  static async unlock(db: Db, password: string): Promise<Session> {
    const meta = await getMeta(db);
    if (!meta?.session) throw new SignInError("Sign in first.");
    let dek: CryptoKey;
    try {
      dek = await unlockWithPassword(meta.keys, password);
    } catch {
      throw new SignInError(`That ${meta.passphrase ? "passphrase" : "password"} does not unlock this phone.`);
    }
    const { tokens, contact } = await openJson<Secrets>(dek, "session", meta.session);
    const lapse = (tokens.offline_unlock_hours ?? 72) * 3_600_000;
    // A clock set back to before the last contact would never lapse.
    const now = Date.now();
    if (now - (contact ?? 0) > lapse || now < (contact ?? 0) - 300_000) {
      // The password copy lapses: from now on only an online sign-in opens
      // this phone, which a disabled account cannot do.
      const { password: _password, ...keys } = meta.keys;
      await putMeta(db, { ...meta, keys });
      throw new SignInError("This phone has not reached the server for too long. Sign in online to unlock it.");
    }
    return Session.opened(db, meta, dek, tokens);
  }

  /** Writes everything the core changed, encrypted, in one transaction. */
  private async persist(): Promise<void> {
    const d = this.core.take_dirty();
    const sealAll = async (blobs: Array<{ key: string; bytes: Uint8Array; free(): void }>, label: (k: string) => string) => {
      const out: Array<[string, Sealed]> = [];
      for (const b of blobs) {
        out.push([b.key, await seal(this.dek, label(b.key), b.bytes)]);
        b.free();
      }
      return out;
    };
    const records = await sealAll(d.records, recordLabel);
    const buckets = await sealAll(d.buckets, bucketLabel);
    const state = d.state;
    const dropped = d.dropped;
    d.free();
    const legacy = this.meta.format !== 2;
    if (state || legacy) {
      if (state) this.meta.state = await seal(this.dek, "state", state);
      else delete this.meta.state;
      this.meta.format = 2;
    }
    if (records.length || buckets.length || dropped.length || state || legacy) {
      await write(this.db, { records, buckets, dropped, meta: state || legacy ? this.meta : undefined, legacyDone: legacy });
    }
  }

  /** Brings a record's documents into memory if it is on the device and not there yet. */
  async ensure(id: string): Promise<void> {
    if (!this.core.needs(id)) return;
    const sealed = await getRecord(this.db, id);
    if (sealed && this.core.needs(id)) this.core.load(id, await open(this.dek, recordLabel(id), sealed));
  }

  /** Whether the record is on this phone (else it is read online). */
  holds(id: string): boolean {
    return this.core.holds(id);
  }

  get listLength(): number {
    return this.core.list_len();
  }

  get draftCount(): number {
    return this.core.draft_count();
  }

  /** Synced records before this left the phone; they are read online. */
  get retainFrom(): Date | undefined {
    const ms = this.core.retain_from();
    return ms === undefined ? undefined : new Date(ms);
  }

  /** `n` lines of the list from `start`, drafts first, newest first. */
  rows(start: number, n: number): Row[] {
    return this.core.list(start, n).map((r) => {
      const row: Row = { id: r.id, draft: r.draft, category: r.category ?? null, location: r.location ?? null, occurred_at: r.occurred_at, students: r.students, state: toState(r.state, r.reason) };
      r.free();
      return row;
    });
  }

  /** The end-of-shift check: drafts, refused records, records only on this phone. */
  unfinished(): Row[] {
    return this.core.unfinished().map((r) => {
      const row: Row = { id: r.id, draft: r.draft, category: r.category ?? null, location: r.location ?? null, occurred_at: r.occurred_at, students: r.students, state: toState(r.state, r.reason) };
      r.free();
      return row;
    });
  }

  /** A record on the phone, decoded (call `ensure` first). */
  record(id: string): IncidentRecord | undefined {
    try {
      return JSON.parse(this.core.record(id)) as IncidentRecord;
    } catch {
      return undefined;
    }
  }

  /** The rules version the record's next save applies (the core decides). */
  rulesFor(id: string): number {
    return this.core.rules_for(id);
  }

  reviews(id: string): Review[] {
    try {
      return JSON.parse(this.core.reviews(id)) as Review[];
    } catch {
      return [];
    }
  }

  state(id: string): RecordState {
    const s = this.core.status(id);
    const out = toState(s.kind, s.reason, s.field);
    s.free();
    return out;
  }

  /** Creates or updates a record; throws the core's problems. Persisted before it returns. */
  async save(r: IncidentRecord, amendment?: string): Promise<void> {
    const start = performance.now();
    const json = JSON.stringify(r);
    await this.ensure(r.id);
    const exists = this.core.holds(r.id);
    const problems = exists ? this.core.update(json, amendment, Date.now()) : this.core.create(json, Date.now());
    if (problems.length) {
      const plain = problems.map((p) => ({ code: p.code, field: p.field, message: p.message }) as Problem);
      for (const p of problems) p.free();
      throw new ProblemsError(plain);
    }
    await this.persist();
    // A User Timing entry (no content, just the duration) for scripts/budgets.run.ts.
    performance.measure(exists ? "fieldlog:update" : "fieldlog:create", { start });
    this.scheduleSync(1500);
    // Screens refresh after the save has returned, not inside it.
    window.setTimeout(() => this.onChange(), 0);
  }

  scheduleSync(ms: number): void {
    window.clearTimeout(this.syncTimer);
    this.syncTimer = window.setTimeout(() => void this.sync(), ms);
  }

  /** Runs sync rounds until the server has nothing more; one at a time. */
  sync(): Promise<void> {
    this.syncing ??= this.runSync().finally(() => {
      this.syncing = undefined;
      this.onStatus();
    });
    return this.syncing;
  }

  private async runSync(): Promise<void> {
    if (!navigator.onLine) return;
    try {
      for (let round = 0; round < 1000; round++) {
        for (const id of this.core.outbox(OUTBOX_PER_ROUND)) await this.ensure(id);
        const reply = await this.withToken((t) => api.sync(t, this.core.prepare_sync()));
        for (const id of this.core.begin_receive(reply)) await this.ensure(id);
        let done = this.core.receive_step(STEP);
        let shown = performance.now();
        while (!done) {
          // A first sign-in pulls thousands of records: persist what is
          // applied, let the page breathe between slices, and show the list
          // as it fills (once a second).
          await this.persist();
          if (performance.now() - shown > 1000) {
            shown = performance.now();
            this.onChange();
          }
          await yieldToMain();
          done = this.core.receive_step(STEP);
        }
        const { more, changed } = done;
        done.free();
        await this.persist();
        if (changed) this.onChange();
        if (!more) break;
      }
      this.lastSync = new Date();
      this.lastError = undefined;
      // The time of contact only needs to be fresh to the offline lapse's
      // scale (hours): a quiet sync every minute need not rewrite it.
      if (Date.now() - this.sealedAt > CONTACT_RESEAL_MS) await this.sealSession();
    } catch (e) {
      this.lastError = e instanceof Error ? e.message : String(e);
    }
  }

  /**
   * The server ended this session. Disabled: at once, drop what the server
   * holds and the offline password copy; the outbox stays, sealed under a
   * key only the server releases, so it opens (and syncs) only if an admin
   * enables the account again. Expired: only the tokens are stale; the user
   * signs in again and everything is where it was.
   */
  private async ended(e: unknown): Promise<void> {
    if (!(e instanceof api.ApiError) || (e.code !== "account_disabled" && e.code !== "session_expired")) return;
    window.clearTimeout(this.syncTimer);
    if (e.code === "account_disabled") await this.signOut();
    this.onEnded(e.code === "account_disabled" ? "disabled" : "expired");
  }

  /** A signed-in JSON request for the desk screens (queue, dashboards, reports). */
  async fetchJson<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
    return this.withToken(async (token) => {
      const res = await api.authed(token, path, init);
      // No content (a DELETE done): there is nothing to read.
      if (res.status === 204) return null as T;
      return (await res.json()) as T;
    });
  }

  /** A signed-in download (CSV), as a Blob. */
  async fetchBlob(path: string, accept: string): Promise<Blob> {
    return this.withToken(async (token) => (await api.authed(token, path, { accept })).blob());
  }

  /** Every signed-in request, the desk screens' as well as sync's, goes through here. */
  private async withToken<T>(f: (token: string) => Promise<T>): Promise<T> {
    try {
      try {
        return await f(this.tokens.access_token);
      } catch (e) {
        if (!(e instanceof api.ApiError) || e.status !== 401 || e.code === "account_disabled") throw e;
        this.tokens = await api.refresh(this.tokens.refresh_token);
        await this.sealSession();
        return await f(this.tokens.access_token);
      }
    } catch (e) {
      await this.ended(e);
      throw e;
    }
  }

  /** Seals the tokens with the time the server was last reached. */
  private sealedAt = 0;

  private async sealSession(): Promise<void> {
    this.sealedAt = Date.now();
    this.meta.session = await sealJson(this.dek, "session", { tokens: this.tokens, contact: Date.now() } satisfies Secrets);
    await putMeta(this.db, this.meta);
  }

  /**
   * Sign-out keeps only the encrypted outbox (records the server does not have
   * yet) and forgets the password-wrapped key, the tokens, the sync state and
   * the summary index: what remains opens only after signing in to the
   * server again (which rebuilds the outbox's summaries).
   */
  async signOut(): Promise<void> {
    window.clearTimeout(this.syncTimer);
    const keep = new Set(this.core.not_synced());
    const all = await recordKeys(this.db);
    if (keep.size === 0) {
      await wipe(this.db);
      return;
    }
    const { password: _password, ...keys } = this.meta.keys;
    await write(this.db, {
      records: [],
      buckets: [],
      dropped: all.filter((id) => !keep.has(id)),
      clearIndex: true,
      meta: { device: this.meta.device, user: this.meta.user, keys, format: 2, heal: true },
    });
  }
}

function toState(kind: string, reason: string | undefined, field?: string): RecordState {
  if (kind === "synced") return { kind: "synced" };
  if (kind === "refused") return { kind: "refused", reason: reason ?? "", field };
  return { kind: "saved_on_device" };
}
