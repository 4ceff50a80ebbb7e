// A signed-in, unlocked device: the core replica, the data key and the tokens.
// Every change is persisted (encrypted) before the call returns; sync runs
// whenever the network allows.
import * as api from "./api";
import { restoreCore, newCore, uuidv7, type Core, type IncidentRecord, type Review } from "./core";
import { allDocs, deleteDocs, getMeta, putDocs, putMeta, wipe, type Db, type Meta } from "./db";
import { createKeys, open, openJson, recoverWithServer, seal, sealJson, unlockWithPassword } from "./vault";

export type RecordState = { kind: "saved_on_device" } | { kind: "synced" } | { kind: "refused"; reason: string };

interface Secrets {
  tokens: api.Tokens;
  /** When this device last reached the server (ms); sealed, so the offline lapse cannot be reset by editing storage without the key. */
  contact?: number;
}

/** Why a session ended without the officer asking. */
export type Ended = "disabled" | "expired";

export class SignInError extends Error {}

async function loadCore(db: Db, meta: Meta, dek: CryptoKey): Promise<Core> {
  const docs: Array<[string, Uint8Array]> = [];
  for (const [id, sealed] of await allDocs(db)) docs.push([id, await open(dek, id, sealed)]);
  const state = meta.state ? await open(dek, "state", meta.state) : new Uint8Array();
  return docs.length || state.length ? restoreCore(meta.user, meta.device, state, docs) : newCore(meta.user, meta.device);
}

export class Session {
  private syncing: Promise<void> | undefined;
  private syncTimer: number | undefined;
  lastSync: Date | undefined;
  lastError: string | undefined;
  onChange: () => void = () => {};
  /** The server ended this session: the account was disabled, or the sign-in reached its end. */
  onEnded: (why: Ended) => void = () => {};
  private readonly cache = new Map<string, IncidentRecord>();

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

  /** Online sign-in. Opens (or creates) this device's encrypted store. */
  static async signIn(db: Db, username: string, password: string): Promise<Session> {
    let meta = await getMeta(db);
    const device = meta?.device ?? uuidv7();
    const { device_secret, previous_device_secrets, ...tokens } = await api.login(username, password, device);
    if (!device_secret) throw new SignInError("The server sent no key for this phone.");
    const secret = api.secretBytes(device_secret);
    const previous = (previous_device_secrets ?? []).map(api.secretBytes);
    if (meta && meta.user !== tokens.user.id) {
      throw new SignInError(
        "This phone still holds another officer's unsynced records. They must sign in and sync before anyone else uses it.",
      );
    }
    let dek: CryptoKey;
    if (meta) {
      ({ dek, wrapped: meta.keys } = await recoverWithServer(meta.keys, secret, previous, password));
    } else {
      const created = await createKeys(password, secret);
      dek = created.dek;
      meta = { device, user: tokens.user.id, keys: created.wrapped };
    }
    secret.fill(0);
    for (const p of previous) p.fill(0);
    meta.session = await sealJson(dek, "session", { tokens, contact: Date.now() } satisfies Secrets);
    await putMeta(db, meta);
    return new Session(db, meta, dek, await loadCore(db, meta, dek), tokens);
  }

  /** Offline (or online) unlock with the password after a reload or an idle lock. */
  static async unlock(db: Db, password: string): Promise<Session> {
    const meta = await getMeta(db);
    if (!meta?.session) throw new SignInError("Sign in first.");
    let dek: CryptoKey;
    try {
      dek = await unlockWithPassword(meta.keys, password);
    } catch {
      throw new SignInError("That password does not unlock this phone.");
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
    return new Session(db, meta, dek, await loadCore(db, meta, dek), tokens);
  }

  /** Writes everything the core changed, encrypted, in one transaction. */
  private async persist(): Promise<void> {
    const dirty = this.core.take_dirty() as unknown[];
    const state = dirty.pop() as Uint8Array | null;
    const docs: Array<[string, Awaited<ReturnType<typeof seal>>]> = [];
    for (let i = 0; i < dirty.length; i += 2) {
      const id = dirty[i] as string;
      docs.push([id, await seal(this.dek, id, dirty[i + 1] as Uint8Array)]);
    }
    if (state) this.meta.state = await seal(this.dek, "state", state);
    if (docs.length || state) await putDocs(this.db, docs, state ? this.meta : undefined);
  }

  records(): IncidentRecord[] {
    return this.core.record_ids().flatMap((id) => this.record(id) ?? []);
  }

  /** Decoded records, cached: reading one from its documents costs far more than a frame. */
  record(id: string): IncidentRecord | undefined {
    const hit = this.cache.get(id);
    if (hit) return structuredClone(hit);
    try {
      const r = JSON.parse(this.core.record(id)) as IncidentRecord;
      this.cache.set(id, r);
      return structuredClone(r);
    } catch {
      return undefined;
    }
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
    if (s === "synced") return { kind: "synced" };
    if (s.startsWith("refused: ")) return { kind: "refused", reason: s.slice("refused: ".length) };
    return { kind: "saved_on_device" };
  }

  /** Creates or updates a record; throws the core's problems. Persisted before it returns. */
  async save(r: IncidentRecord, amendment?: string): Promise<void> {
    const start = performance.now();
    const json = JSON.stringify(r);
    const exists = this.core.record_ids().includes(r.id);
    if (exists) this.core.update(json, amendment, Date.now());
    else this.core.create(json, Date.now());
    await this.persist();
    this.cache.delete(r.id);
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
      this.onChange();
    });
    return this.syncing;
  }

  private async runSync(): Promise<void> {
    if (!navigator.onLine) return;
    try {
      for (let round = 0; round < 100; round++) {
        const reply = await this.withToken((t) => api.sync(t, this.core.prepare_sync()));
        const more = this.core.receive_sync(reply);
        this.cache.clear();
        await this.persist();
        if (!more) break;
      }
      this.lastSync = new Date();
      this.lastError = undefined;
      await this.sealSession();
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
  private async sealSession(): Promise<void> {
    this.meta.session = await sealJson(this.dek, "session", { tokens: this.tokens, contact: Date.now() } satisfies Secrets);
    await putMeta(this.db, this.meta);
  }

  /**
   * Sign-out keeps only the encrypted outbox (records the server does not have
   * yet) and forgets the password-wrapped key, the tokens and the sync state:
   * what remains opens only after signing in to the server again.
   */
  async signOut(): Promise<void> {
    window.clearTimeout(this.syncTimer);
    const synced = this.core.record_ids().filter((id) => this.state(id).kind === "synced");
    const ids = (await allDocs(this.db)).map(([id]) => id);
    const gone = ids.filter((doc) => synced.some((r) => doc.startsWith(`${r}/`)) || !this.core.record_ids().some((r) => doc.startsWith(`${r}/`)));
    await deleteDocs(this.db, gone);
    if (gone.length === ids.length) {
      await wipe(this.db);
      return;
    }
    const { password: _password, ...keys } = this.meta.keys;
    await putMeta(this.db, { device: this.meta.device, user: this.meta.user, keys });
  }
}
