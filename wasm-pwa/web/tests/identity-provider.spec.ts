// Issue 18: an officer signs in on a phone with the agency's identity
// provider (a real OpenID provider, node's oidc-provider, `tests/idp`),
// chooses a passphrase for the phone, gets their records, and later unlocks
// offline with that passphrase. A sign-in the provider vouches for but no
// Fieldlog account is linked to (by an admin) says so. No mocks.
import { expect, test } from "@playwright/test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { apiToken, axe, IDP_SECRET, PASSWORD, shot, signIn, startIdp, startServer, type Server } from "./server";

let idp: Awaited<ReturnType<typeof startIdp>>;
let server: Server;

test.beforeAll(async () => {
  idp = await startIdp("county");
  // The provider is bound to the demo agency, whose id the first start makes.
  const first = await startServer();
  const token = await apiToken(first.url, "admin.agency");
  const orgs = (await fetch(`${first.url}/api/v1/admin/organizations`, {
    headers: { authorization: `Bearer ${token}` },
  }).then((r) => r.json())) as Array<{ id: string; kind: string }>;
  const agency = orgs.find((o) => o.kind === "agency")!.id;
  await first.stop(true);
  writeFileSync(join(first.dir, "oidc-county.secret"), IDP_SECRET);
  const setting = `[{ id = "county", name = "County ID", issuer = "${idp.issuer}", client_id = "fieldlog", organization_id = "${agency}" }]`;
  server = await startServer("dist", { dir: first.dir, env: { FIELDLOG_OIDC: setting } });
});
test.afterAll(async () => {
  await server?.stop();
  idp?.stop();
});

/**
 * Through the provider's own pages: its login form (unless the browser is
 * still signed in there), then its consent.
 */
async function atProvider(page: import("@playwright/test").Page, login: string): Promise<void> {
  await page.getByRole("button", { name: "Sign in with County ID" }).click();
  const form = page.locator("input[name=login]");
  const consent = page.getByRole("button", { name: "Continue" });
  await expect(form.or(consent)).toBeVisible();
  if (await form.isVisible()) {
    await form.fill(login);
    await page.locator("input[name=password]").fill("any");
    await page.getByRole("button", { name: "Sign-in" }).click();
  }
  await consent.click();
}

// In order: the admin links the officer, who then signs in.
test.describe.configure({ mode: "serial" });

test("the agency's admin links an officer's identity at the provider in the Directory", async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, isMobile: false, hasTouch: false });
  const page = await context.newPage();
  await signIn(page, server.url, "admin.agency", "Directory");
  await page.getByRole("button", { name: "Edit sro.martinez" }).click();
  const panel = page.locator('[data-user-panel="sro.martinez"]');
  await panel.getByLabel("Their identity at County ID").fill("sro.martinez");
  await panel.getByRole("button", { name: "Link to County ID" }).click();
  await expect(panel.locator('[data-identity="county"]')).toContainText("County ID: sro.martinez");
  await axe(page, "directory: identity linked");
  // Not their own: the deployment's administrator links an admin's.
  await page.getByRole("button", { name: "Edit admin.agency" }).click();
  const own = page.locator('[data-user-panel="admin.agency"]');
  await own.getByLabel("Their identity at County ID").fill("admin.agency");
  await own.getByRole("button", { name: "Link to County ID" }).click();
  await expect(page.getByRole("alert")).toContainText("does not link their own account");
  await context.close();
});

test("an officer signs in with the agency's provider, chooses a passphrase, and unlocks offline with it", async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(server.url);
  await atProvider(page, "sro.martinez");
  await page.getByRole("heading", { name: "Choose a passphrase for this phone" }).waitFor();
  // The ticket left the address at once.
  expect(new URL(page.url()).hash).toBe("");
  await axe(page, "identity provider: passphrase");
  await page.getByLabel("Passphrase").fill("short");
  await page.getByLabel("The same again").fill("short");
  await page.getByRole("button", { name: "Open Fieldlog" }).click();
  await expect(page.getByRole("alert")).toHaveText("Use at least 8 characters.");
  await page.getByLabel("Passphrase").fill("river lantern 42");
  await page.getByLabel("The same again").fill("river lantern 42");
  await page.getByRole("button", { name: "Open Fieldlog" }).click();
  await page.getByRole("heading", { name: "My records" }).waitFor();
  // The demo officer's records arrive, as after a password sign-in.
  await expect(page.locator("[data-record]").first()).toBeVisible();
  await shot(page, "identity-provider-records");

  // Later, offline: the passphrase opens the phone; the agency password does not.
  await page.reload();
  await page.getByRole("heading", { name: "Unlock Fieldlog" }).waitFor();
  await context.setOffline(true);
  await page.getByLabel("Passphrase").fill(PASSWORD);
  await page.getByRole("button", { name: "Unlock" }).click();
  await expect(page.getByRole("alert")).toHaveText("That passphrase does not unlock this phone.");
  await page.getByLabel("Passphrase").fill("river lantern 42");
  await page.getByRole("button", { name: "Unlock" }).click();
  await page.getByRole("heading", { name: "My records" }).waitFor();
  await expect(page.locator("[data-record]").first()).toBeVisible();

  // A forgotten passphrase: online again, the provider's sign-in opens the
  // phone (through the server's key) and a new passphrase replaces it.
  await context.setOffline(false);
  await page.reload();
  await page.getByRole("button", { name: "Forgot it? Sign in online" }).click();
  await atProvider(page, "sro.martinez");
  await page.getByLabel("Passphrase").fill("harbor kettle 77");
  await page.getByLabel("The same again").fill("harbor kettle 77");
  await page.getByRole("button", { name: "Open Fieldlog" }).click();
  await page.getByRole("heading", { name: "My records" }).waitFor();
  await page.reload();
  await page.getByLabel("Passphrase").fill("harbor kettle 77");
  await page.getByRole("button", { name: "Unlock" }).click();
  await expect(page.locator("[data-record]").first()).toBeVisible();
  await context.close();
});

test("a provider sign-in no account is linked to is told so, on the sign-in screen", async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(server.url);
  await atProvider(page, "stranger");
  await expect(page.getByText("That sign-in is not linked to a Fieldlog account.")).toBeVisible();
  expect(new URL(page.url()).hash).toBe("");
  await axe(page, "identity provider: not linked");
  await context.close();
});
