// Issue 4, item 3: the idle lock, and sign-out leaving only the encrypted
// outbox; issue 19: the end-of-shift check before it.
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { PASSWORD, shot, signIn, startServer, type Server } from "./server";
import { recordIds } from "./helpers";

let server: Server;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.stop();
});

/** What IndexedDB holds, read the way any script on the origin could. */
async function stored(page: Page): Promise<{ docs: string[]; meta: Record<string, unknown> | undefined }> {
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((ok, fail) => {
      const r = indexedDB.open("fieldlog");
      r.onsuccess = () => ok(r.result);
      r.onerror = () => fail(r.error);
    });
    const get = <T,>(store: string, f: (s: IDBObjectStore) => IDBRequest) =>
      new Promise<T>((ok) => {
        const r = f(db.transaction(store).objectStore(store));
        r.onsuccess = () => ok(r.result as T);
      });
    const docs = await get<string[]>("records", (s) => s.getAllKeys());
    const meta = await get<Record<string, unknown> | undefined>("meta", (s) => s.get("meta"));
    const keys = meta?.keys as Record<string, unknown> | undefined;
    db.close();
    return { docs, meta: meta && { ...meta, hasPasswordKey: !!keys?.password, hasSession: !!meta.session, hasState: !!meta.state } };
  });
}

test("the app locks after 30 idle minutes", async ({ page }) => {
  await page.clock.install();
  await signIn(page, server.url, "sro.chen");
  await page.clock.fastForward("29:00");
  await expect(page.getByRole("heading", { name: "My records" })).toBeVisible();
  await page.clock.fastForward("01:30");
  await expect(page.getByRole("button", { name: "Unlock" })).toBeVisible();
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Unlock" }).click();
  await expect(page.getByRole("heading", { name: "My records" })).toBeVisible();
});

test("sign-out keeps only the unsynced outbox, which the next sign-in syncs", async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, server.url, "sro.patel");
  await expect(page.getByRole("button", { name: "Sync now" })).toBeEnabled();
  await page.getByRole("button", { name: "Sync now" }).click();
  await expect(page.locator("[data-record]").first()).toBeVisible();
  const synced = new Set(await recordIds(page));
  expect(synced.size, "the officer's records were pulled").toBeGreaterThan(0);

  await context.setOffline(true);
  await page.getByRole("button", { name: "+ Log a contact" }).click();
  await page.getByRole("button", { name: "Routine contact" }).click();
  await page.getByLabel("Student number or initials").fill("OUTBOX-1");
  await page.getByRole("button", { name: "Save draft" }).click();
  // The one record only this phone holds (a sync still pulling older records
  // may add synced ones to the list meanwhile).
  const outbox = (await page.locator('[data-record]:has([data-state="saved_on_device"])').getAttribute("data-record"))!;
  expect(synced.has(outbox)).toBe(false);
  // The end-of-shift check lists the unfinished draft; it opens from there.
  await page.getByRole("button", { name: "End shift and sign out" }).click();
  await expect(page.getByRole("heading", { name: "End of shift" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Not finished (1)" })).toBeVisible();
  const entry = page.locator(`[data-unfinished="${outbox}"]`);
  await expect(entry).toContainText("Draft · Relationship building");
  for (const [w, hgt] of [[360, 640], [1280, 800]] as const) {
    await page.setViewportSize({ width: w, height: hgt });
    const axe = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]).analyze();
    expect(axe.violations.map((v) => `${v.id}: ${v.help}`), "axe on the end-of-shift check").toEqual([]);
  }
  await shot(page, "end-of-shift");
  await entry.click();
  await expect(page.getByRole("heading", { name: "Edit draft" })).toBeVisible();
  await page.getByRole("button", { name: "← Records" }).click();
  await page.getByRole("button", { name: "End shift and sign out" }).click();
  await page.getByRole("button", { name: "Sign out anyway" }).click();
  await expect(page.getByText(/stay on this phone, encrypted/)).toBeVisible();

  const after = await stored(page);
  expect(after.docs.length, "the outbox is kept").toBeGreaterThan(0);
  expect(after.docs, "only the outbox's record").toEqual([outbox]);
  expect(after.meta).toMatchObject({ hasPasswordKey: false, hasSession: false, hasState: false });

  // Offline, nothing opens it; online, signing in recovers and syncs it.
  await context.setOffline(false);
  await page.getByLabel("Username").fill("sro.patel");
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  const item = page.locator(`[data-record="${outbox}"] [data-state]`);
  await expect(item).toHaveAttribute("data-state", "synced", { timeout: 30_000 });
  await context.close();
});

test("a draft survives the tab being killed mid-typing", async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, server.url, "sro.okafor");
  await page.getByRole("button", { name: "Sync now" }).click();
  await expect(page.locator("[data-record]").first()).toBeVisible();
  const before = new Set(await recordIds(page));
  await context.setOffline(true);
  await page.getByRole("button", { name: "+ Log a contact" }).click();
  await page.getByRole("button", { name: "Routine contact" }).click();
  await page.getByLabel("Student number or initials").fill("KILL-1");
  await page.getByLabel("Narrative (optional)").pressSequentially("Talked at the bus stop", { delay: 40 });
  // Typing commits after a 300 ms pause. Then the tab goes away with its
  // script frozen, so no unload or pagehide handler can save anything more.
  await page.waitForTimeout(600);
  const cdp = await context.newCDPSession(page);
  await cdp.send("Debugger.enable");
  await cdp.send("Debugger.pause");
  await page.close({ runBeforeUnload: false });
  const again = await context.newPage();
  await again.goto(server.url);
  await again.getByLabel("Password").fill(PASSWORD);
  await again.getByRole("button", { name: "Unlock" }).click();
  await expect(again.locator("[data-record]").first()).toBeVisible();
  const fresh = (await recordIds(again)).filter((id) => !before.has(id));
  expect(fresh, "exactly the one new draft").toHaveLength(1);
  await again.locator(`[data-record="${fresh[0]}"]`).click();
  await expect(again.getByLabel("Student number or initials")).toHaveValue("KILL-1");
  await expect(again.getByLabel("Narrative (optional)")).toHaveValue("Talked at the bus stop");
  await context.close();
});
