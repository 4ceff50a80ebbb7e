// Issue 21's agreements at the admins' desks: the agency's admin records an
// agreement and the district's signs it; an overdue review is flagged; a
// reviewed agreement that withholds the over-calling view from supervisors
// replaces it once both have signed, and a supervisor signing in no longer
// has that view. axe at a desk and on a phone.
import { expect, test, type Browser, type Page } from "@playwright/test";
import { axe, signIn, startServer, type Server } from "./server";

let server: Server;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.stop();
});

test.use({ viewport: { width: 1280, height: 800 } });

async function agreementsAs(browser: Browser, username: string): Promise<Page> {
  // A context of its own, as axe needs.
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  await signIn(page, server.url, username, "Directory");
  await page.getByRole("navigation", { name: "Views" }).getByRole("button", { name: "Agreements" }).click();
  await page.getByRole("heading", { name: "Record an agreement" }).waitFor();
  return page;
}

async function record(page: Page, from: string, review: string, url: string, withhold?: [string, string]): Promise<void> {
  await page.getByLabel("Effective from").fill(from);
  await page.getByLabel("Review by").fill(review);
  await page.getByLabel("Public copy (URL)").fill(url);
  if (withhold) {
    await page.getByText("What it withholds", { exact: true }).click();
    await page.getByRole("group", { name: withhold[0] }).getByLabel(withhold[1]).check();
  }
  await page.getByRole("button", { name: "Record the agreement" }).click();
  await expect(page.getByRole("status")).toContainText("It binds once the other party's admin signs it too.");
}

test("both parties sign the reviewed agreement, and it decides what a supervisor sees", async ({ browser }) => {
  // Before: the supervisor has the over-calling view.
  const sup = await browser.newPage();
  await signIn(sup, server.url, "sgt.alvarez", "Review queue");
  await expect(sup.getByRole("navigation", { name: "Views" }).getByRole("button", { name: "Over-calling" })).toBeVisible();

  const agency = await agreementsAs(browser, "admin.agency");
  await expect(agency.getByText("No agreement is recorded")).toBeVisible();
  // An agreement recorded late: in force since June 2025 once signed, its review overdue.
  await record(agency, "2025-06-01", "2026-06-01", "https://district.example/mou-2025.pdf");
  await expect(agency.locator("tr[data-agreement]")).toContainText("Awaiting the district's signature");
  await expect(agency.getByRole("button", { name: /^Sign for/ })).toHaveCount(0);

  const district = await agreementsAs(browser, "admin.district");
  await district.getByRole("button", { name: "Sign for District" }).click();
  await expect(district.getByRole("status")).toContainText("Signed.");
  await expect(district.locator("[data-overdue]")).toContainText("was due on 2026-06-01");
  await axe(district, "admin-agreements-overdue-desk");

  // The reviewed one, from today, withholds the over-calling view from supervisors.
  const today = new Date().toISOString().slice(0, 10);
  const nextYear = new Date(Date.now() + 300 * 86_400_000).toISOString().slice(0, 10);
  await record(agency, today, nextYear, "https://district.example/mou-2026.pdf", ["Supervisor", "Read overcalling (Anywhere)"]);
  await district.getByRole("navigation", { name: "Views" }).getByRole("button", { name: "Agreements" }).click();
  await district.getByRole("button", { name: "Sign for District" }).click();
  await expect(district.getByRole("status")).toContainText("Signed.");
  await expect(district.locator("[data-overdue]")).toHaveCount(0);
  const inForce = district.locator('tr[data-in-force="true"]');
  await expect(inForce).toHaveCount(1);
  await expect(inForce).toContainText("Supervisor: Read overcalling (Anywhere)");
  await expect(district.locator('tr[data-in-force="false"]')).toContainText("2025-06-01");
  await district.setViewportSize({ width: 360, height: 640 });
  await axe(district, "admin-agreements-phone");

  // The supervisor, signing in again, works under it.
  const again = await browser.newPage();
  await signIn(again, server.url, "sgt.alvarez", "Review queue");
  const views = again.getByRole("navigation", { name: "Views" });
  await expect(views.getByRole("button", { name: "Review queue" })).toBeVisible();
  await expect(views.getByRole("button", { name: "Over-calling" })).toHaveCount(0);
});
