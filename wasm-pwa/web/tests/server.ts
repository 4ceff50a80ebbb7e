// Starts the real server (the debug build cargo just tested) on a fresh SQLite
// folder with the demo district, serving the built app. No mocks.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import AxeBuilder from "@axe-core/playwright";
import { expect, type Page } from "@playwright/test";

export const PASSWORD = "fieldlog-demo-2026";
const ROOT = resolve(import.meta.dirname, "../../..");
export const SCREENSHOTS = join(ROOT, "artifacts", "screenshots");

export interface Server {
  url: string;
  /** The data folder (secrets go here too: no secrets folder is set). */
  dir: string;
  /** Stops the server; `keep` leaves its data folder for another start. */
  stop(keep?: boolean): Promise<void>;
}

/** The real server on a fresh data folder, or on `dir` with `env` added. */
export async function startServer(dist = "dist", more: { dir?: string; env?: Record<string, string> } = {}): Promise<Server> {
  const dir = more.dir ?? mkdtempSync(join(tmpdir(), "fieldlog-web-"));
  const bin = process.env.FIELDLOG_SERVER_BIN ?? join(ROOT, "target/debug/server");
  const child: ChildProcess = spawn(bin, ["serve", "--demo-if-empty"], {
    env: {
      ...process.env,
      FIELDLOG_DATA_DIR: dir,
      FIELDLOG_LISTEN: "127.0.0.1:0",
      FIELDLOG_WEB_DIR: join(ROOT, "wasm-pwa/web", dist),
      FIELDLOG_LOG: "warn",
      // The demo draws a password per district unless told one.
      FIELDLOG_DEMO_PASSWORD: PASSWORD,
      ...more.env,
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((ok, fail) => {
    let out = "";
    const timer = setTimeout(() => fail(new Error(`server did not start:\n${out}`)), 90_000);
    child.stdout!.on("data", (b: Buffer) => {
      out += b.toString();
      const m = /listening on (http:\/\/[^\s/]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        ok(m[1]);
      }
    });
    child.on("exit", (code) => fail(new Error(`server exited (${code}):\n${out}`)));
  });
  child.stdout!.resume();
  return {
    url,
    dir,
    async stop(keep = false) {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
      if (!keep) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The client secret the test identity provider and the server share. */
export const IDP_SECRET = "idp-browser-secret-8d2e61c0";

/** The real OpenID provider of `tests/idp` (node's oidc-provider), for provider `id`. */
export async function startIdp(id: string): Promise<{ issuer: string; stop(): void }> {
  const child = spawn("node", [join(ROOT, "tests/idp/provider.mjs")], {
    env: { ...process.env, IDP_CLIENT_SECRET: IDP_SECRET, IDP_CALLBACK_PATH: `/api/v1/auth/oidc/${id}/callback` },
    stdio: ["ignore", "pipe", "ignore"],
  });
  const issuer = await new Promise<string>((ok, fail) => {
    let out = "";
    const timer = setTimeout(() => fail(new Error(`the identity provider did not start:\n${out}`)), 30_000);
    child.stdout!.on("data", (b: Buffer) => {
      out += b.toString();
      const m = /IdP listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        ok(m[1]);
      }
    });
    child.on("exit", (code) => fail(new Error(`the identity provider exited (${code}):\n${out}`)));
  });
  child.stdout!.resume();
  return { issuer, stop: () => void child.kill("SIGTERM") };
}

export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

export async function signIn(page: Page, base: string, username: string, home = "My records"): Promise<void> {
  await page.goto(base);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.getByRole("heading", { name: home }).waitFor();
}

/** Waits until the service worker controls the page, so the app shell is cached. */
export async function waitForServiceWorker(page: Page): Promise<void> {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((r) => navigator.serviceWorker.addEventListener("controllerchange", r, { once: true }));
    }
  });
}

export async function apiToken(base: string, username: string): Promise<string> {
  const res = await fetch(`${base}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  if (!res.ok) throw new Error(`login ${username}: ${res.status}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** axe (WCAG 2.2 AA) finds nothing on the page as it is; then a full-page screenshot. */
export async function axe(page: Page, name: string): Promise<void> {
  const result = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]).analyze();
  const found = result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")})`);
  expect(found, `axe violations on ${name}`).toEqual([]);
  expect(result.passes.length, `axe checked ${name}`).toBeGreaterThan(5);
  await shot(page, name);
}
