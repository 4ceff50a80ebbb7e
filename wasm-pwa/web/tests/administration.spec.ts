// Issue 18's desk screens: the admin brings an officer on board from the
// directory (an invite, a school and a supervisor, then a disable), and the
// auditor reads, narrows, verifies and downloads the access log. At a desk
// (1280x800) and on a phone (360x640), with axe and screenshots.
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { readFileSync } from "node:fs";
import { shot, signIn, startServer, type Server } from "./server";

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
