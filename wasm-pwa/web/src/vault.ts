// The device's encryption at rest (SECURITY.md has the design and its trade-offs).
//
// One random AES-256-GCM data key (the DEK) encrypts every stored value. It is
// only ever held in memory as a non-extractable CryptoKey. On storage it exists
// only wrapped, twice:
//  - under a key derived from the officer's password (PBKDF2-SHA-256, 600,000
//    iterations, per-device salt): lets the app unlock offline;
//  - under a key derived (HKDF) from a secret the server releases to the signed-in
//    user and the phone never stores: lets the outbox be recovered after sign-out.
// Sign-out deletes the password-wrapped copy, so what stays on the phone can only
// be opened by signing in to the server again.

const PBKDF2_ITERATIONS = 600_000;
const enc = new TextEncoder();

export interface Sealed {
  iv: Uint8Array;
  ct: Uint8Array;
}

export interface WrappedKeys {
  salt: Uint8Array;
  iterations: number;
  /** The DEK under the password key; absent after sign-out. */
  password?: Sealed;
  /** The DEK under the server-released key. */
  server: Sealed;
}

const aesGcm = { name: "AES-GCM", length: 256 } as const;

function random(n: number): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(n));
}

async function passwordKek(password: string, salt: Uint8Array, iterations: number): Promise<CryptoKey> {
  const base = await crypto.subtle.importKey("raw", enc.encode(password), "PBKDF2", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "PBKDF2", hash: "SHA-256", salt: salt as BufferSource, iterations },
    base,
    aesGcm,
    false,
    ["wrapKey", "unwrapKey"],
  );
}

async function serverKek(secret: Uint8Array): Promise<CryptoKey> {
  const base = await crypto.subtle.importKey("raw", secret as BufferSource, "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: enc.encode("fieldlog device key v1"), info: enc.encode("wrap") },
    base,
    aesGcm,
    false,
    ["wrapKey", "unwrapKey"],
  );
}

async function wrap(dek: CryptoKey, kek: CryptoKey): Promise<Sealed> {
  const iv = random(12);
  const ct = new Uint8Array(await crypto.subtle.wrapKey("raw", dek, kek, { name: "AES-GCM", iv }));
  return { iv, ct };
}

async function unwrap(sealed: Sealed, kek: CryptoKey): Promise<CryptoKey> {
  // extractable: false. The unwrapped key can encrypt and decrypt, never be read.
  return crypto.subtle.unwrapKey(
    "raw",
    sealed.ct as BufferSource,
    kek,
    { name: "AES-GCM", iv: sealed.iv as BufferSource },
    aesGcm,
    false,
    ["encrypt", "decrypt"],
  );
}

/** A fresh DEK, wrapped both ways; returns the non-extractable copy to use. */
export async function createKeys(password: string, serverSecret: Uint8Array): Promise<{ dek: CryptoKey; wrapped: WrappedKeys }> {
  const salt = random(16);
  const extractable = await crypto.subtle.generateKey(aesGcm, true, ["encrypt", "decrypt"]);
  const server = await wrap(extractable, await serverKek(serverSecret));
  const pw = await wrap(extractable, await passwordKek(password, salt, PBKDF2_ITERATIONS));
  const wrapped: WrappedKeys = { salt, iterations: PBKDF2_ITERATIONS, password: pw, server };
  // Drop the extractable copy: from here on only a non-extractable one exists.
  return { dek: await unwrap(server, await serverKek(serverSecret)), wrapped };
}

/** Offline unlock. Throws when the password is wrong (GCM authentication fails). */
export async function unlockWithPassword(keys: WrappedKeys, password: string): Promise<CryptoKey> {
  if (!keys.password) throw new Error("signed out: sign in to the server to unlock");
  return unwrap(keys.password, await passwordKek(password, keys.salt, keys.iterations));
}

/**
 * After an online sign-in: recover the DEK with the server's secret (or one
 * it had before: a new password moves it) and re-wrap it under the current
 * secret and the password.
 */
export async function recoverWithServer(
  keys: WrappedKeys,
  serverSecret: Uint8Array,
  previous: Uint8Array[],
  password: string,
): Promise<{ dek: CryptoKey; wrapped: WrappedKeys }> {
  let extractable: CryptoKey | undefined;
  for (const secret of [serverSecret, ...previous]) {
    try {
      // Needs an extractable copy once, to wrap it under the new keys.
      extractable = await crypto.subtle.unwrapKey(
        "raw", keys.server.ct as BufferSource, await serverKek(secret), { name: "AES-GCM", iv: keys.server.iv as BufferSource }, aesGcm, true, ["encrypt", "decrypt"],
      );
      break;
    } catch {
      // Not this one: try the next.
    }
  }
  if (!extractable) throw new Error("this phone's storage key does not open with the server's secret");
  const kek = await serverKek(serverSecret);
  const server = await wrap(extractable, kek);
  const salt = random(16);
  const pw = await wrap(extractable, await passwordKek(password, salt, PBKDF2_ITERATIONS));
  return {
    dek: await unwrap(server, kek),
    wrapped: { salt, iterations: PBKDF2_ITERATIONS, password: pw, server },
  };
}

/** Encrypts `data`, bound to `label` (the storage key) so values cannot be swapped. */
export async function seal(dek: CryptoKey, label: string, data: Uint8Array): Promise<Sealed> {
  const iv = random(12);
  const ct = new Uint8Array(
    await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: enc.encode(label) }, dek, data as BufferSource),
  );
  return { iv, ct };
}

export async function open(dek: CryptoKey, label: string, sealed: Sealed): Promise<Uint8Array> {
  return new Uint8Array(
    await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: sealed.iv as BufferSource, additionalData: enc.encode(label) },
      dek,
      sealed.ct as BufferSource,
    ),
  );
}

export async function sealJson(dek: CryptoKey, label: string, value: unknown): Promise<Sealed> {
  return seal(dek, label, enc.encode(JSON.stringify(value)));
}

export async function openJson<T>(dek: CryptoKey, label: string, sealed: Sealed): Promise<T> {
  return JSON.parse(new TextDecoder().decode(await open(dek, label, sealed))) as T;
}
