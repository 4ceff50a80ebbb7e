// Issue 21's training register at a supervisor's desk: each officer's
// standing, and a completed basic course recorded for one, after which they
// are up to date. axe at a desk and on a phone.
import { expect, test } from "@playwright/test";
import { axe, signIn, startServer, type Server } from "./server";

let server: Server;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.stop();
});

test.use({ viewport: { width: 1280, height: 800 } });

test("a supervisor records an officer's basic course in the register", async ({ page }) => {
  await signIn(page, server.url, "sgt.alvarez", "Review queue");
  await page.getByRole("navigation", { name: "Views" }).getByRole("button", { name: "Training" }).click();
  const row = page.locator('tr[data-officer="sro.martinez"]');
  await expect(row).toBeVisible();
  // Only the supervisor's own officers.
  await expect(page.locator('tr[data-officer="sro.okafor"]')).toHaveCount(0);
  await axe(page, "supervisor-training-desk");

  await page.getByLabel("Officer", { exact: true }).selectOption({ label: "sro.martinez" });
  await page.getByLabel("Course", { exact: true }).fill("State SRO basic course");
  await page.getByLabel("Hours", { exact: true }).fill("40");
  await page.locator("#t-topic-sro_basic").check();
  await page.locator("#t-topic-de_escalation").check();
  await page.getByRole("button", { name: "Record the course" }).click();
  await expect(page.getByRole("status")).toContainText("Recorded 40 h for sro.martinez.");
  await expect(row).toContainText("Up to date");
  await expect(row).toHaveAttribute("data-flagged", "false");
  await page.setViewportSize({ width: 360, height: 640 });
  await axe(page, "supervisor-training-phone");
});
