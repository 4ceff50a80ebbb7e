// Issue 18: an officer signs in on a phone with the agency's identity
// provider (a real OpenID provider, node's oidc-provider, `tests/idp`),
// chooses a passphrase for the phone, gets their records, and later unlocks
// offline with that passphrase. A sign-in the provider vouches for but no
// Fieldlog account is linked to (by an admin) says so. No mocks.
import { expect, test } from "@playwright/test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { axe, IDP_SECRET, PASSWORD, shot, startIdp, startServer, type Server } from "./server";

let idp: Awaited<ReturnType<typeof startIdp>>;
let server: Server;

test.beforeAll(async () => {
  idp = await startIdp("county");
  // The provider is bound to the demo agency, whose id the first start makes.
  const first = await startServer();
  const login = await fetch(`${first.url}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "admin.agency", password: PASSWORD }),
  }).then((r) => r.json());
  const orgs = (await fetch(`${first.url}/api/v1/admin/organizations`, {
    headers: { authorization: `Bearer ${login.access_token}` },
  }).then((r) => r.json())) as Array<{ id: string; kind: string }>;
  const agency = orgs.find((o) => o.kind === "agency")!.id;
  // The agency's admin links the officer to their identity at the provider
  // (whose subject, in the test provider, is the login typed there).
  const users = (await fetch(`${first.url}/api/v1/admin/users`, {
    headers: { authorization: `Bearer ${login.access_token}` },
  }).then((r) => r.json())) as Array<{ id: string; username: string }>;
  const officer = users.find((u) => u.username === "sro.martinez")!.id;
  await first.stop(true);
  writeFileSync(join(first.dir, "oidc-county.secret"), IDP_SECRET);
  const setting = `[{ id = "county", name = "County ID", issuer = "${idp.issuer}", client_id = "fieldlog", organization_id = "${agency}" }]`;
  server = await startServer("dist", { dir: first.dir, env: { FIELDLOG_OIDC: setting } });
  const admin = await fetch(`${server.url}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "admin.agency", password: PASSWORD }),
  }).then((r) => r.json());
  const linked = await fetch(`${server.url}/api/v1/admin/users/${officer}/identities/county`, {
    method: "PUT",
    headers: { authorization: `Bearer ${admin.access_token}`, "content-type": "application/json" },
    body: JSON.stringify({ subject: "sro.martinez" }),
  });
  expect(linked.status).toBe(204);
});
test.afterAll(async () => {
  await server?.stop();
  idp?.stop();
});

/** Through the provider's own pages: its login form, then its consent. */
async function atProvider(page: import("@playwright/test").Page, login: string): Promise<void> {
  await page.getByRole("button", { name: "Sign in with County ID" }).click();
  await page.locator("input[name=login]").fill(login);
  await page.locator("input[name=password]").fill("any");
  await page.getByRole("button", { name: "Sign-in" }).click();
  await page.getByRole("button", { name: "Continue" }).click();
}

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
