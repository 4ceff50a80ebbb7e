// Issue 21's annual program assessment at command staff's desk: the newest
// closed school year's tables, withheld counts marked, the link to the
// public transparency tables and the download. axe at a desk and on a phone.
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

test("command staff read and download the annual assessment", async ({ page }) => {
  await signIn(page, server.url, "lt.reyes", "Complaints");
  await page.getByRole("navigation", { name: "Views" }).getByRole("button", { name: "Annual assessment" }).click();
  const reviews = page.locator('table[data-table="reviews"]');
  await expect(reviews).toContainText("Appropriate");
  await expect(page.locator('table[data-table="meetings"] tbody tr')).not.toHaveCount(0);
  // No count from 1 to 9 is shown (meetings are counted whole).
  const shown = await page.locator('table.report:not([data-table="meetings"]) td:not(.suppressed)').allTextContents();
  expect(shown.length).toBeGreaterThan(5);
  for (const t of shown) expect(Number(t) === 0 || Number(t) >= 10, `count ${t}`).toBe(true);
  await expect(page.getByRole("link", { name: /transparency tables/ })).toHaveAttribute("href", /^\/public\/transparency\/\d{4}-\d{2}$/);
  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "Download CSV" }).click();
  expect((await download).suggestedFilename()).toMatch(/^fieldlog-assessment-\d{4}-\d{2}\.csv$/);
  await axe(page, "commander-assessment-desk");
  await page.setViewportSize({ width: 360, height: 640 });
  await axe(page, "commander-assessment-phone");
});
