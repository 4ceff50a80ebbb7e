// Issue 4 (c): axe-core finds no WCAG 2.2 AA violation on any screen, in the
// light and the dark scheme; and a phone-sized screenshot of every screen.
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { apiToken, PASSWORD, shot, signIn, startServer, type Server } from "./server";
import { openRecord, tap } from "./helpers";

let server: Server;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.stop();
});

async function audit(page: Page, name: string): Promise<void> {
  const result = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]).analyze();
  const found = result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")})`);
  expect(found, `axe violations on ${name}`).toEqual([]);
  // An audit that saw nothing would pass for the wrong reason.
  expect(result.passes.length, `axe checked ${name}`).toBeGreaterThan(5);
  await shot(page, name);
}

/** One of the officer's records that the supervisor has reviewed (the demo has some). */
async function reviewedRecord(): Promise<string> {
  const token = await apiToken(server.url, "sro.martinez");
  let cursor = "";
  for (;;) {
    const res = await fetch(`${server.url}/api/v1/incidents${cursor ? `?cursor=${cursor}` : ""}`, { headers: { authorization: `Bearer ${token}` } });
    const page = (await res.json()) as { items: Array<{ id: string; reviews?: unknown[] }>; next_cursor?: string | null };
    const hit = page.items.find((r) => (r.reviews ?? []).length > 0);
    if (hit) return hit.id;
    if (!page.next_cursor) throw new Error("the demo has no reviewed record of sro.martinez");
    cursor = page.next_cursor;
  }
}

for (const scheme of ["light", "dark"] as const) {
  test(`every screen passes axe (${scheme})`, async ({ browser }) => {
    const context = await browser.newContext({ colorScheme: scheme });
    const page = await context.newPage();
    await page.goto(server.url);
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    await audit(page, `${scheme}-1-sign-in`);

    await signIn(page, server.url, "sro.martinez");
    await audit(page, `${scheme}-2-records`);

    await page.getByRole("button", { name: "+ Log a contact" }).click();
    await audit(page, `${scheme}-3-new-contact`);

    // The school-requested, custody and student sections, with every problem shown.
    await page.getByRole("button", { name: "Staff asked me" }).click();
    await tap(page, /^What you did/, "Arrest");
    await page.getByText("From the school's records").click();
    await page.getByRole("button", { name: "Add values from school records" }).click();
    await page.getByText("Sexual orientation / gender identity").click();
    await page.getByText("The student volunteered this").click();
    await page.getByRole("button", { name: /^Submit/ }).click();
    await expect(page.getByRole("heading", { name: "Before you submit" })).toBeVisible();
    await audit(page, `${scheme}-4-custody-form-with-problems`);

    await page.getByRole("button", { name: "← Records" }).click();
    const id = await reviewedRecord();
    await openRecord(page, id);
    await expect(page.getByRole("heading", { name: "Supervisor's review" })).toBeVisible();
    await expect(page.locator("[data-review]").first()).toBeVisible();
    await audit(page, `${scheme}-5-record-with-review`);

    await page.getByRole("button", { name: "← Records" }).click();
    await page.getByRole("button", { name: "Lock" }).click();
    await page.getByRole("button", { name: "Unlock" }).waitFor();
    await audit(page, `${scheme}-6-unlock`);
    await page.getByLabel("Password").fill("not the password at all");
    await page.getByRole("button", { name: "Unlock" }).click();
    await expect(page.getByRole("alert")).toHaveText("That password does not unlock this phone.");
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Unlock" }).click();
    await page.getByRole("heading", { name: "My records" }).waitFor();
    await context.close();
  });
}

test("a routine contact takes at most 6 taps", async ({ browser }) => {
  const page = await (await browser.newContext()).newPage();
  await signIn(page, server.url, "sro.patel");
  let taps = 0;
  const tapOn = async (l: ReturnType<Page["getByRole"]>) => {
    taps++;
    await l.click();
  };
  await tapOn(page.getByRole("button", { name: "+ Log a contact" }));
  await tapOn(page.getByRole("button", { name: "Routine contact" }));
  await tapOn(page.getByLabel("Student number or initials"));
  await page.keyboard.type("AB");
  // The location defaults to the last one used; a first-ever contact picks one.
  if (!(await page.getByRole("group", { name: /^Where/ }).locator("input:checked").count())) {
    await tapOn(page.getByRole("group", { name: /^Where/ }).getByText("Hallway", { exact: true }));
  }
  await tapOn(page.getByRole("button", { name: /^Submit/ }));
  await expect(page.getByRole("heading", { name: "Relationship building" })).toBeVisible();
  expect(taps).toBeLessThanOrEqual(6);
});
