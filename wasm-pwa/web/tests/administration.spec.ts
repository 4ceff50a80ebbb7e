// Issue 18's desk screens: the admin brings an officer on board from the
// directory (an invite, a school and a supervisor, then a disable), the
// auditor reads, narrows, verifies and downloads the access log, and a
// supervisor with two-step sign-in types their code, and has it reset by
// the admin when the phone is lost. At a desk
// (1280x800) and on a phone (360x640), with axe and screenshots.
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { apiToken, PASSWORD, shot, signIn, startServer, type Server } from "./server";

let server: Server;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.stop();
});

async function axeBothSizes(page: Page, name: string): Promise<void> {
  for (const [w, hgt, size] of [[1280, 800, "desk"], [360, 640, "phone"]] as const) {
    await page.setViewportSize({ width: w, height: hgt });
    const result = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]).analyze();
    const found = result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")})`);
    expect(found, `axe violations on ${name} (${size})`).toEqual([]);
    expect(result.passes.length, `axe checked ${name}`).toBeGreaterThan(5);
    await shot(page, `${name}-${size}`);
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

test.use({ viewport: { width: 1280, height: 800 } });

test("the admin brings an officer on board from the directory", async ({ page }) => {
  await signIn(page, server.url, "admin.agency", "Directory");
  await expect(page.locator('tr[data-user="sro.martinez"]')).toBeVisible();
  await expect(page.locator('tr[data-school="Lincoln High School"] input')).toHaveValue("America/Chicago");
  await axeBothSizes(page, "admin-directory");

  // A new officer, invited.
  await page.getByLabel("Username").fill("sro.playwright");
  await page.getByLabel("Display name").fill("Officer Play Wright");
  await page.getByLabel("Role", { exact: true }).selectOption("sro");
  await page.getByLabel("Organisation", { exact: true }).selectOption({ label: "Demo Police Department (Agency)" });
  await page.getByRole("button", { name: "Add and make an invite" }).click();
  const token = page.locator("[data-invite]");
  await expect(token).toBeVisible();
  expect((await token.textContent())?.length ?? 0).toBeGreaterThan(40);
  const row = page.locator('tr[data-user="sro.playwright"]');
  await expect(row).toContainText("Officer Play Wright");

  // Assigned to Lincoln under sgt.alvarez; the history keeps it.
  await page.getByRole("button", { name: "Edit sro.playwright" }).click();
  const panel = page.locator('[data-user-panel="sro.playwright"]');
  await panel.getByLabel("Lincoln High School").check();
  await panel.getByLabel("Supervisor").selectOption({ label: "sgt.alvarez" });
  await panel.getByRole("button", { name: "Save assignment" }).click();
  await expect(row).toContainText("Lincoln High School");
  await expect(row).toContainText("sgt.alvarez");
  await expect(panel).toContainText("Assignment history");
  await axeBothSizes(page, "admin-user-panel");

  // Disabled, then the last admin cannot disable themselves.
  await page.getByRole("button", { name: "Disable sro.playwright" }).click();
  await expect(row).toContainText("Disabled");
  await page.getByRole("button", { name: "Disable admin.agency" }).click();
  await expect(page.getByRole("alert")).toContainText("no enabled admin");
});

test("the auditor reads, narrows, verifies and downloads the access log", async ({ page }) => {
  await signIn(page, server.url, "auditor.district", "Access log");
  await expect(page.locator("tr[data-seq]").first()).toBeVisible();
  await page.getByRole("button", { name: "Verify the log" }).click();
  await expect(page.locator("[data-verdict]")).toContainText("The log is intact");
  await axeBothSizes(page, "auditor-log");

  await page.getByLabel("Event").selectOption("login");
  await page.getByRole("button", { name: "Show entries" }).click();
  const rows = page.locator("tr[data-seq]");
  await expect(rows.first()).toBeVisible();
  const events = await rows.locator("td:nth-child(4)").allTextContents();
  expect(events.length).toBeGreaterThan(0);
  expect(new Set(events)).toEqual(new Set(["Login"]));

  // One user's entries, from a name in the table.
  await rows.first().getByRole("button").click();
  await expect(page.getByLabel("User")).not.toHaveValue("");

  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download CSV" }).click()]);
  const csv = readFileSync((await download.path())!, "utf8");
  expect(csv.split("\n")[0]).toBe("seq,at,user_id,username,role,event,record_id,student_refs,fields,endpoint,purpose,hash");
  expect(csv).toContain(",login,");
});

/** RFC 6238 (SHA-1, 6 digits, 30 s), as an authenticator app computes it. */
function totp(base32: string, atSecs: number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of base32.replace(/=+$/, "")) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const key = Buffer.from((bits.match(/.{8}/g) ?? []).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(atSecs / 30)));
  const mac = createHmac("sha1", key).update(counter).digest();
  const off = mac[mac.length - 1]! & 0xf;
  return String((mac.readUInt32BE(off) & 0x7fffffff) % 1_000_000).padStart(6, "0");
}

test("a supervisor with two-step sign-in types the code from their app", async ({ page }) => {
  const token = await apiToken(server.url, "sgt.brooks");
  const auth = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  const enrol = (await (await fetch(`${server.url}/api/v1/me/mfa/totp`, { method: "POST", headers: auth, body: "{}" })).json()) as { secret: string };
  const now = Date.now() / 1000;
  const confirmed = await fetch(`${server.url}/api/v1/me/mfa/totp/confirm`, { method: "POST", headers: auth, body: JSON.stringify({ code: totp(enrol.secret, now) }) });
  expect(confirmed.status).toBe(200);

  await page.goto(server.url);
  await page.getByLabel("Username").fill("sgt.brooks");
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  const code = page.getByLabel("Code from your authenticator app");
  await expect(code).toBeVisible();
  await axeBothSizes(page, "sign-in-code");
  // The next step's code: the one used to confirm is spent.
  await code.fill(totp(enrol.secret, now + 30));
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByRole("heading", { name: "Review queue" }).waitFor();
});

test("where the agency requires a second factor, command staff set theirs up as they sign in", async ({ page }) => {
  const admin = await apiToken(server.url, "admin.agency");
  const set = await fetch(`${server.url}/api/v1/admin/settings/mfa`, {
    method: "PUT",
    headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
    body: JSON.stringify({ roles: ["commander"] }),
  });
  expect(set.status).toBe(200);
  await page.goto(server.url);
  await page.getByLabel("Username").fill("lt.reyes");
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.getByRole("heading", { name: "Set up two-step sign-in" }).waitFor();
  await expect(page.getByRole("link", { name: "Open in my authenticator app" })).toHaveAttribute("href", /^otpauth:\/\/totp\//);
  await axeBothSizes(page, "sign-in-set-up-code");
  const secret = (await page.locator("[data-totp-secret]").getAttribute("data-totp-secret"))!;
  // A mistyped code is asked for again, with the same key on screen.
  const right = totp(secret, Date.now() / 1000);
  await page.getByLabel("Code from your authenticator app").fill(right === "000000" ? "111111" : "000000");
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByRole("alert")).toContainText("not right");
  await expect(page.locator("[data-totp-secret]")).toHaveAttribute("data-totp-secret", secret);
  await page.getByLabel("Code from your authenticator app").fill(totp(secret, Date.now() / 1000));
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByRole("heading", { name: "Complaints" })).toBeVisible();
});

test("the admin resets a supervisor's lost second factor from the directory", async ({ page }) => {
  const token = await apiToken(server.url, "sgt.alvarez");
  const auth = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  const enrol = (await (await fetch(`${server.url}/api/v1/me/mfa/totp`, { method: "POST", headers: auth, body: "{}" })).json()) as { secret: string };
  const confirmed = await fetch(`${server.url}/api/v1/me/mfa/totp/confirm`, { method: "POST", headers: auth, body: JSON.stringify({ code: totp(enrol.secret, Date.now() / 1000) }) });
  expect(confirmed.status).toBe(200);

  const admin = page;
  await signIn(admin, server.url, "admin.agency", "Directory");
  const row = admin.locator('tr[data-user="sgt.alvarez"]');
  await expect(row).toContainText("two-step sign-in");
  // Only those who have one get the button, and never the admin themself.
  await expect(admin.locator('tr[data-user="sro.martinez"]').getByRole("button", { name: /two-step/ })).toHaveCount(0);
  await expect(admin.locator('tr[data-user="admin.agency"]').getByRole("button", { name: /two-step/ })).toHaveCount(0);
  await row.getByRole("button", { name: "Reset two-step sign-in of sgt.alvarez" }).click();
  await expect(admin.getByRole("status")).toContainText("sgt.alvarez now signs in with their password alone");
  await expect(row).not.toContainText("two-step sign-in");
  await axeBothSizes(admin, "admin-directory-two-step-reset");

  // The session on the lost phone has ended; the password alone signs in.
  const me = await fetch(`${server.url}/api/v1/me`, { headers: auth });
  expect(me.status).toBe(401);
  const login = await fetch(`${server.url}/api/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "sgt.alvarez", password: PASSWORD }) });
  const answer = (await login.json()) as { access_token?: string; mfa_required?: boolean };
  expect(answer.mfa_required ?? false).toBe(false);
  expect(answer.access_token).toBeTruthy();
});
