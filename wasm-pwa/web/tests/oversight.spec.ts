// Issue 5's screens: the supervisor reviews a flagged record from the queue,
// the school leader reads the over-calling chart and its table, and the
// analyst runs a report with suppressed cells and downloads it. On a desk
// screen (1280x800), with screenshots kept.
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
test.use({ viewport: { width: 1280, height: 800 } });

async function axe(page: Page, name: string): Promise<void> {
  const result = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]).analyze();
  const found = result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")})`);
  expect(found, `axe violations on ${name}`).toEqual([]);
}

test("the supervisor reviews a flagged record from the queue", async ({ page }) => {
  await signIn(page, server.url, "sgt.brooks", "Review queue");
  const items = page.locator("[data-item]");
  await expect(items.first()).toBeVisible();
  // Flagged first: the first item carries a flag with its reason.
  const first = items.first();
  await expect(first.locator("[data-flag]").first()).toBeVisible();
  const reason = await first.locator("[data-flag]").first().textContent();
  expect(reason?.length ?? 0).toBeGreaterThan(20);
  // The outlier officer stands out in the officers' table.
  await expect(page.locator("tr.flagged").first()).toContainText("sro.okafor");
  await axe(page, "review queue");
  await shot(page, "desk-review-queue");

  const unreviewed = page.locator('[data-item][data-state="in_queue"], [data-item][data-state="overdue"]').filter({ has: page.locator("[data-flag]") }).first();
  const id = await unreviewed.getAttribute("data-item");
  const progressBefore = await page.locator("[data-progress]").textContent();
  await unreviewed.getByRole("button", { name: "Review" }).click();
  await unreviewed.getByText("Training need", { exact: true }).click();
  await unreviewed.getByLabel("Notes").fill("De-escalation was cut short; discussed with the officer.");
  await unreviewed.getByLabel("Follow-up").fill("Crisis intervention refresher before the spring period.");
  await shot(page, "desk-review-form");
  await unreviewed.getByRole("button", { name: "Save review" }).click();

  const done = page.locator(`[data-item="${id}"]`);
  await expect(done).toHaveAttribute("data-state", "reviewed");
  await expect(done).toContainText("last finding: Training need");
  await expect(page.locator("[data-progress]")).not.toHaveText(progressBefore ?? "");

  // The record in full, one click from the queue (issue 19): the card, its
  // flags and reviews, and its history, read through the supervisor's view.
  await done.getByRole("button", { name: "Open record" }).click();
  const panel = done.locator(".record-panel");
  await expect(panel.locator("dl.card")).toBeVisible();
  await expect(panel).toContainText("De-escalation was cut short");
  await panel.locator("details.history summary").click();
  await expect(panel.locator('.history-list [data-kind="created"]')).toBeVisible();
  await expect(panel.locator('.history-list [data-kind="reviewed"]')).toContainText("sgt.brooks");
  await axe(page, "queue with a record open");
  await shot(page, "desk-queue-record");

  // The meeting with the SRO and the school administrator.
  await page.getByLabel("Attendee 1").fill("Sgt. Brooks");
  await page.getByLabel("Attendee 2").fill("Officer Patel");
  await page.getByLabel("Attendee 3").fill("Dr. Okafor-Reyes");
  await page.getByRole("button", { name: "Save meeting" }).click();
  await expect(page.locator("[data-meeting]").first()).toContainText("School administrator");
  await shot(page, "desk-review-meeting");
});

test("the school leader reads the over-calling chart and its table", async ({ page }) => {
  await signIn(page, server.url, "principal.roosevelt", "Over-calling");
  const headline = page.locator("[data-headline]");
  await expect(headline).toContainText("were not safety matters");
  const share = Number(await page.locator("[data-share]").getAttribute("data-share"));
  const median = Number(await page.locator("[data-median]").getAttribute("data-median"));
  expect(share).toBeGreaterThan(median);
  await expect(headline).toContainText("more than most");
  // Every chart is drawn, and each has its table.
  const charts = page.locator("figure.chart");
  await expect(charts).toHaveCount(6);
  await expect(page.locator('figure.chart[data-drawn="true"]')).toHaveCount(6);
  const byRole = page.locator("figure.chart", { hasText: "By who asked" });
  await expect(byRole.locator("canvas")).toBeVisible();
  await expect(byRole.getByRole("table")).toContainText("Teacher");
  // The canvas is hidden from screen readers; the table is what they read.
  await expect(byRole.locator("canvas")).toHaveAttribute("aria-hidden", "true");
  // No student data on the page.
  await expect(page.locator("body")).not.toContainText(/S-\\d{4}/);
  await axe(page, "over-calling");
  await shot(page, "desk-overcalling");
});

test("the school leader reads what the SRO does on a typical day", async ({ page }) => {
  await signIn(page, server.url, "principal.roosevelt", "Over-calling");
  await page.getByRole("navigation", { name: "Views" }).getByRole("button", { name: "SRO activity" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "SRO activity" })).toBeVisible();
  const headline = page.locator("[data-headline]");
  await expect(headline).toContainText("on a day the SRO is involved");
  expect(Number(await page.locator("[data-involvements]").getAttribute("data-involvements"))).toBeGreaterThan(20);
  expect(Number(await page.locator("[data-per-day]").getAttribute("data-per-day"))).toBeGreaterThan(0);
  await expect(headline).toContainText("started by the SRO");
  const charts = page.locator("figure.chart");
  await expect(charts).toHaveCount(4);
  await expect(page.locator('figure.chart[data-drawn="true"]')).toHaveCount(4);
  await expect(page.locator("figure.chart", { hasText: "By category" }).getByRole("table")).toContainText("Code of conduct");
  await expect(page.locator("figure.chart", { hasText: "Staff requests by role" }).getByRole("table")).toContainText("Teacher");
  await expect(page.locator("figure.chart", { hasText: "By who started it" }).getByRole("table")).toContainText("The SRO, unasked");
  await expect(page.locator("figure.chart", { hasText: "By hour of day (America/Chicago)" })).toBeVisible();
  await axe(page, "sro-activity");
  await page.setViewportSize({ width: 360, height: 640 });
  await axe(page, "sro-activity-phone");
  await shot(page, "desk-sro-activity");
});

test("a supervisor picks among their officers' schools", async ({ page }) => {
  // sgt.alvarez supervises martinez at Lincoln and chen at Roosevelt, and
  // has no schools of their own: the picker lists what the server allows.
  await signIn(page, server.url, "sgt.alvarez", "Review queue");
  await page.getByRole("navigation", { name: "Views" }).getByRole("button", { name: "SRO activity" }).click();
  const picker = page.getByLabel("School");
  await expect(picker.locator("option")).toHaveText(["Lincoln High School", "Roosevelt Middle School"]);
  await picker.selectOption({ label: "Lincoln High School" });
  // Patel (another supervisor's officer) serves Lincoln too.
  await expect(page.locator("[data-own-officers]")).toBeVisible();
  await expect(page.getByLabel("School")).toHaveValue(await page.getByLabel("School").locator("option", { hasText: "Lincoln" }).getAttribute("value") ?? "");
  await axe(page, "sro-activity-supervisor");
  await page.getByRole("navigation", { name: "Views" }).getByRole("button", { name: "Over-calling" }).click();
  await expect(page.getByLabel("School").locator("option")).toHaveCount(2);
});

test("the analyst runs a report with suppressed cells and downloads it", async ({ page }) => {
  await signIn(page, server.url, "analyst.district", "Disaggregated report");
  // The newest ended school year is the default; the demo district fills it.
  await expect(page.getByLabel("School year")).toHaveValue(/^\d{4}-\d{2}$/);
  await page.getByLabel("and by").selectOption("sex");
  await page.getByRole("button", { name: "Run report" }).click();
  const tables = page.locator("table.report");
  await expect(tables.first()).toBeVisible();
  await expect(page.locator("td[data-suppressed]").first()).toBeVisible();
  await expect(page.getByText(/cells suppressed/)).toBeVisible();
  // A suppressed cell says so to a screen reader, not a number.
  await expect(page.locator("td[data-suppressed]").first()).toHaveText(/suppressed/);
  await axe(page, "report");
  await shot(page, "desk-report");

  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download CSV" }).click()]);
  const csv = readFileSync((await download.path())!, "utf8");
  expect(csv.split("\n")[0]).toBe("measure,race_ethnicity,sex,count,suppressed,rate_per_100");
  // Nothing from 1 to 9 in the count column.
  for (const line of csv.trim().split("\n").slice(1)) {
    const count = line.split(",")[3];
    if (count) expect(Number(count) === 0 || Number(count) >= 10, line).toBe(true);
  }
  const [crdc] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download CRDC CSV" }).click()]);
  const text = readFileSync((await crdc.path())!, "utf8");
  expect(text).toContain("referral_to_law_enforcement,race_ethnicity:");
  expect(text).toContain("arrest,idea,");
});
