// The server's HTTP API (../shared/API.md). Errors carry API.md's error shape.

import type { components } from "./wire/api";

// Generated from the server's OpenAPI document (`server openapi`), never retyped.
export type School = components["schemas"]["School"];
export type Me = components["schemas"]["MeView"];
export type Tokens = components["schemas"]["Tokens"];
type ErrorBody = components["schemas"]["ErrorBody"];

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** API.md's error code, e.g. `account_disabled`, `session_expired`. */
    readonly code?: string,
  ) {
    super(message);
  }
}

async function failure(res: Response): Promise<ApiError> {
  let message = `${res.status} ${res.statusText}`;
  let code: string | undefined;
  try {
    const body = (await res.json()) as ErrorBody;
    if (body.error?.message) message = body.error.message;
    code = body.error?.code;
  } catch {
    // Not JSON: keep the status line.
  }
  return new ApiError(res.status, message, code);
}

// The device cookie of each account that signed in on this browser: with it,
// a stranger's wrong guesses at the account cannot lock this device out. It
// names a device, not a person, and opens nothing by itself, so it outlives
// sign-out.
const cookieKey = (username: string) => `fieldlog.device-cookie.${username.trim().toLowerCase()}`;

// A sign-in names its `device`: the answer carries that device's wrapping
// secret (only a sign-in releases it, never a bearer token).

export type TotpEnrolment = components["schemas"]["TotpEnrolment"];

/**
 * Asks the person for the code from their authenticator app; with an
 * enrolment, first shows them the new key to add to it (their organisation
 * requires a second factor of their role and they had none); with a
 * problem, says why the last code was refused.
 */
export type AskCode = (enrolment?: TotpEnrolment, problem?: string) => Promise<string>;

type Challenge = { mfa_required: true; mfa_token: string; methods: string[] };

async function post<T>(path: string, body: unknown): Promise<T> {
  const res = await fetch(path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    cache: "no-store",
  });
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}

/** The tokens of a first step's answer; with two-step sign-in set up, asks for the code and sends it. */
async function completed(answer: Tokens | Challenge, device: string, device_cookie: string | undefined, askCode: AskCode): Promise<Tokens> {
  if ("mfa_required" in answer) {
    const challenge = answer;
    const enrolment = challenge.methods.includes("totp_enrol")
      ? await post<TotpEnrolment>("/api/v1/auth/mfa/enrol", { mfa_token: challenge.mfa_token })
      : undefined;
    // A mistyped code is asked for again with the same challenge (and the
    // same new key): starting over would set up another key than the one
    // the person just added to their app. The server counts each try.
    let problem: string | undefined;
    for (;;) {
      const code = await askCode(enrolment, problem);
      try {
        answer = await post<Tokens>("/api/v1/auth/mfa", { mfa_token: challenge.mfa_token, code, device_cookie, device });
        break;
      } catch (e) {
        if (!(e instanceof ApiError && e.code === "wrong_code")) throw e;
        problem = e.message;
      }
    }
  }
  const tokens = answer as Tokens;
  if (tokens.device_cookie) localStorage.setItem(cookieKey(tokens.user.username), tokens.device_cookie);
  return tokens;
}

/** Signs in with a password. */
export async function login(username: string, password: string, device: string, askCode: AskCode): Promise<Tokens> {
  const device_cookie = localStorage.getItem(cookieKey(username)) ?? undefined;
  const answer = await post<Tokens | Challenge>("/api/v1/auth/login", { username, password, device_cookie, device });
  return completed(answer, device, device_cookie, askCode);
}

export type IdentityProvider = components["schemas"]["ProviderOut"];
export type IdentityOut = components["schemas"]["IdentityOut"];

/** The identity providers the server offers (none when offline). */
export async function identityProviders(): Promise<IdentityProvider[]> {
  try {
    const res = await fetch("/api/v1/auth/oidc/providers", { cache: "no-store" });
    return res.ok ? ((await res.json()) as IdentityProvider[]) : [];
  } catch {
    return [];
  }
}

/** Where the browser goes to sign in with a provider. */
export const providerStart = (id: string) => `/api/v1/auth/oidc/${encodeURIComponent(id)}/start`;

/** Trades the one-time ticket the provider's sign-in brought back for the tokens. */
export async function redeemTicket(ticket: string, device: string, askCode: AskCode): Promise<Tokens> {
  const answer = await post<Tokens | Challenge>("/api/v1/auth/oidc/redeem", { ticket, device });
  return completed(answer, device, undefined, askCode);
}

export async function refresh(refreshToken: string): Promise<Tokens> {
  const res = await fetch("/api/v1/auth/refresh", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ refresh_token: refreshToken }),
  });
  if (!res.ok) throw await failure(res);
  return (await res.json()) as Tokens;
}

/** A wrapping secret as the server sends it (base64url), as bytes. */
export function secretBytes(b64url: string): Uint8Array {
  const b64 = b64url.replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

/**
 * The push gzipped when it is worth it: on a school's or a patrol car's
 * connection, a backlog of records costs a third of the bytes. The server
 * inflates it within its body limit. Small bodies (a reconnect with nothing
 * new) go as they are.
 */
async function gzipped(body: Uint8Array): Promise<{ body: BodyInit; encoding?: string }> {
  if (body.length < 1024 || typeof CompressionStream === "undefined") return { body: body as BodyInit };
  const stream = new Blob([body as BlobPart]).stream().pipeThrough(new CompressionStream("gzip"));
  return { body: new Uint8Array(await new Response(stream).arrayBuffer()) as BodyInit, encoding: "gzip" };
}

/** One sync round trip: the core's request bytes in, the server's reply bytes out. */
export async function sync(accessToken: string, body: Uint8Array): Promise<Uint8Array> {
  const push = await gzipped(body);
  const headers: Record<string, string> = {
    authorization: `Bearer ${accessToken}`,
    "content-type": "application/octet-stream",
  };
  if (push.encoding) headers["content-encoding"] = push.encoding;
  const res = await fetch("/api/v1/sync", {
    method: "POST",
    headers,
    body: push.body,
    cache: "no-store",
  });
  if (!res.ok) throw await failure(res);
  return new Uint8Array(await res.arrayBuffer());
}

/** A signed-in request; throws ApiError (API.md's message) unless 2xx. */
export async function authed(token: string, path: string, init: { method?: string; body?: unknown; accept?: string } = {}): Promise<Response> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (init.body !== undefined) headers["content-type"] = "application/json";
  if (init.accept) headers.accept = init.accept;
  const res = await fetch(path, {
    method: init.method ?? "GET",
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    cache: "no-store",
  });
  if (!res.ok) throw await failure(res);
  return res;
}

export type Queue = components["schemas"]["Queue"];
export type QueueItem = components["schemas"]["QueueItem"];
export type Periods = components["schemas"]["Periods"];
export type Meeting = components["schemas"]["Meeting"];
export type Overcalling = components["schemas"]["Overcalling"];
export type Count = components["schemas"]["Count"];
export type Report = components["schemas"]["Report"];
export type LoggedEntry = components["schemas"]["ListedEntry"];
export type Verification = components["schemas"]["Verification"];
export type AdminUser = components["schemas"]["AdminUser"];
export type Organization = components["schemas"]["Organization"];
export type AgreementOut = components["schemas"]["AgreementOut"];
export type ComplianceLine = components["schemas"]["ComplianceLine"];
export type CreatedUser = components["schemas"]["Created"];
export type InviteToken = components["schemas"]["InviteToken"];
export type ComplaintLine = components["schemas"]["ComplaintLine"];
export type ComplaintOut = components["schemas"]["ComplaintOut"];
export type People = components["schemas"]["People"];
