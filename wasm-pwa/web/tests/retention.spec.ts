// Issue 15, retention: the phone holds the current and the previous review
// period (and anything unsynced, and drafts); older synced records leave it
// and are read online. Real server, real core, real IndexedDB.
import { expect, test, type Page } from "@playwright/test";
import { apiToken, signIn, startServer, type Server } from "./server";
import { openRecord, recordIds, scrollToLine, tap } from "./helpers";

let server: Server;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.stop();
});

/** The record ids IndexedDB holds blobs for. */
async function storedIds(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((ok, fail) => {
      const r = indexedDB.open("fieldlog");
      r.onsuccess = () => ok(r.result);
      r.onerror = () => fail(r.error);
    });
    const keys = await new Promise<string[]>((ok) => {
      const r = db.transaction("records").objectStore("records").getAllKeys();
      r.onsuccess = () => ok(r.result as string[]);
    });
    db.close();
    return keys;
  });
}

/** The window's start as the server states it: 1 Feb of this year or 1 Aug of last (two periods of the default calendar). */
function windowStart(now = new Date()): Date {
  const y = now.getUTCFullYear();
  const aug = Date.UTC(y, 7, 1);
  const feb = Date.UTC(y, 1, 1);
  const t = now.getTime();
  return new Date(t >= aug ? feb : t >= feb ? Date.UTC(y - 1, 7, 1) : Date.UTC(y - 1, 1, 1));
}

test("records beyond the window leave the phone and open online; an unsynced one outlives every retention pass", async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const replies: Buffer[] = [];
  page.on("response", async (r) => {
    if (r.url().endsWith("/api/v1/sync") && r.ok()) replies.push(await r.body());
  });
  await signIn(page, server.url, "sro.chen");
  await page.getByRole("button", { name: "Sync now" }).click();
  await expect(page.locator("[data-record]").first()).toBeVisible();
  await expect(page.getByRole("button", { name: "Sync now" })).toBeEnabled();

  // A first sign-in pulls only the window: the officer's older records stay on the server.
  const token = await apiToken(server.url, "sro.chen");
  const before = windowStart();
  const old = (await (await fetch(`${server.url}/api/v1/incidents?to=${before.toISOString()}`, { headers: { authorization: `Bearer ${token}` } })).json()) as { items: Array<{ id: string }> };
  expect(old.items.length, "the demo has records of sro.chen before the window").toBeGreaterThan(0);
  const held = new Set(await storedIds(page));
  expect(held.size).toBeGreaterThan(0);
  for (const r of old.items) expect(held.has(r.id), `${r.id} is older than the window`).toBe(false);
  expect(await openRecord(page, old.items[0].id)).toBe("online");
  await expect(page.getByText("On the server, not on this phone")).toBeVisible();
  await page.getByRole("button", { name: "← Records" }).click();

  // Offline, the officer logs a contact that happened before the window.
  const quiet = replies.at(-1)!;
  const existing = new Set(await recordIds(page));
  await context.setOffline(true);
  await page.getByRole("button", { name: "+ Log a contact" }).click();
  await page.getByRole("button", { name: "Routine contact" }).click();
  await page.getByLabel("Student number or initials").fill("LATE-1");
  const when = new Date(before.getTime() - 20 * 86_400_000);
  await page.getByLabel("When").fill(when.toISOString().slice(0, 16));
  await tap(page, /^Where/, "Hallway");
  await page.getByRole("button", { name: "Save draft" }).click();
  await page.getByRole("heading", { name: "My records" }).waitFor();
  // The one record only this phone holds.
  const late = (await page.locator('[data-record]:has([data-state="saved_on_device"])').getAttribute("data-record"))!;
  expect(existing.has(late)).toBe(false);
  // Drafts stay whatever their age; submitted, it is subject to the window.
  await page.locator(`[data-record="${late}"]`).click();
  // Entered more than a day after the interaction: the form asks why.
  await page.getByLabel(/^Why is this entry late\?/).fill("Written up from my notebook after the break");
  await page.getByRole("button", { name: /^Submit/ }).click();
  await page.getByRole("button", { name: "Amend" }).waitFor();
  await page.getByRole("button", { name: "← Records" }).click();
  expect(await scrollToLine(page, late)).toBe(true);
  await expect(page.locator(`[data-record="${late}"] [data-state]`)).toHaveAttribute("data-state", "saved_on_device");

  // A retention pass while its push is lost (the server's real quiet reply,
  // replayed: it carries the window and accepts nothing): it stays.
  await page.route("**/api/v1/sync", (route) => route.fulfill({ status: 200, contentType: "application/octet-stream", body: quiet }));
  await context.setOffline(false);
  await page.getByRole("button", { name: "Sync now" }).click();
  await expect(page.getByRole("button", { name: "Sync now" })).toBeEnabled();
  expect(await scrollToLine(page, late)).toBe(true);
  await expect(page.locator(`[data-record="${late}"] [data-state]`)).toHaveAttribute("data-state", "saved_on_device");
  expect(await storedIds(page)).toContain(late);

  // The push goes through: now synced and old, it leaves the phone, and opens online.
  await page.unroute("**/api/v1/sync");
  await page.getByRole("button", { name: "Sync now" }).click();
  await expect(page.getByRole("button", { name: "Sync now" })).toBeEnabled();
  await expect.poll(async () => storedIds(page)).not.toContain(late);
  expect(await scrollToLine(page, late), "its line is gone").toBe(false);
  expect(await openRecord(page, late)).toBe("online");
  await expect(page.getByText("LATE-1")).toBeVisible();
  await context.close();
});
