// Issue 4, stories (a) and (b): offline logging that survives a reload, and
// two devices of one officer converging.
import { expect, test } from "@playwright/test";
import { apiToken, PASSWORD, shot, signIn, startServer, waitForServiceWorker, type Server } from "./server";
import { logCustodyRecord, recordIds, tap } from "./helpers";

let server: Server;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.stop();
});

test("offline: log a custody record, reload offline, sync when online, the supervisor finds it", async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, server.url, "sro.martinez");
  await waitForServiceWorker(page);
  await expect(page.getByRole("button", { name: "Sync now" })).toBeEnabled();
  const before = new Set(await recordIds(page));

  await context.setOffline(true);
  await expect(page.getByText(/^Offline/)).toBeVisible();
  await logCustodyRecord(page, "S-40417");
  await expect(page.getByRole("heading", { name: "Criminal offense" })).toBeVisible();
  await shot(page, "record-detail-offline");
  await page.getByRole("button", { name: "← Records" }).click();
  const id = (await recordIds(page)).find((r) => !before.has(r));
  expect(id, "the new record is in the list").toBeTruthy();
  const item = page.locator(`[data-record="${id}"]`);
  await expect(item.locator("[data-state]")).toHaveAttribute("data-state", "saved_on_device");

  // Reload with no network: the service worker serves the app, IndexedDB the record.
  await page.reload();
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Unlock" }).click();
  await expect(item).toBeVisible();
  await expect(item.locator("[data-state]")).toHaveAttribute("data-state", "saved_on_device");

  // The push that carries the record goes gzipped (CompressionStream).
  const encodings: Promise<string | undefined>[] = [];
  page.on("request", (r) => {
    if (r.url().endsWith("/api/v1/sync")) encodings.push(r.allHeaders().then((h) => h["content-encoding"]));
  });
  await context.setOffline(false);
  await expect(item.locator("[data-state]")).toHaveAttribute("data-state", "synced", { timeout: 30_000 });
  await shot(page, "list-synced");
  expect(await Promise.all(encodings), "the record's push was gzipped").toContain("gzip");

  // Through the server's API, as the officer's supervisor.
  const token = await apiToken(server.url, "sgt.alvarez");
  const res = await fetch(`${server.url}/api/v1/incidents/${id}`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  const rec = (await res.json()) as {
    actions: string[];
    deescalation: Array<{ technique: string }>;
    custody: { removed_from_public_view: string; duration_minutes: number; guardian_not_notified_reason: string };
    interrogation: { questioned: boolean; rights_advised: boolean; guardian_present: boolean };
    charges: { filed: boolean; court: string };
    status: string;
    rules_version: number;
  };
  expect(rec.status).toBe("submitted");
  expect(rec.actions).toContain("arrest");
  expect(rec.deescalation.map((d) => d.technique)).toEqual(["verbal", "time_and_space"]);
  expect(rec.custody.removed_from_public_view).toBe("yes");
  // What rules version 2 asks of custody (issue 19), from the form's inputs.
  expect(rec.rules_version).toBe(2);
  expect(rec.custody.duration_minutes).toBe(45);
  expect(rec.custody.guardian_not_notified_reason).toBe("No answer at either number on file");
  expect(rec.interrogation).toEqual({ questioned: true, rights_advised: true, guardian_present: false });
  expect(rec.charges).toEqual({ filed: true, court: "pending" });
  await context.close();
});

test("two devices of one officer edit one draft offline and converge", async ({ browser }) => {
  const a = await (await browser.newContext()).newPage();
  const b = await (await browser.newContext()).newPage();
  await signIn(a, server.url, "sro.chen");
  // Device A starts a draft and syncs it.
  await a.getByRole("button", { name: "+ Log a contact" }).click();
  await a.getByRole("button", { name: "Routine contact" }).click();
  await a.getByLabel("Student number or initials").fill("JD");
  await a.getByRole("button", { name: "Save draft" }).click();
  const id = (await a.locator("[data-record]").first().getAttribute("data-record"))!;
  await a.getByRole("button", { name: "Sync now" }).click();
  await expect(a.locator(`[data-record="${id}"] [data-state]`)).toHaveAttribute("data-state", "synced");

  // Device B signs in and receives it.
  await signIn(b, server.url, "sro.chen");
  await expect(b.locator(`[data-record="${id}"]`)).toBeVisible({ timeout: 30_000 });

  // Both go offline and change different fields of the same draft.
  await a.context().setOffline(true);
  await b.context().setOffline(true);
  await a.locator(`[data-record="${id}"]`).click();
  await tap(a, /^Where/, "Gym");
  await a.getByRole("button", { name: "Save draft" }).click();
  await b.locator(`[data-record="${id}"]`).click();
  await b.getByLabel("Narrative (optional)").fill("Talked about the basketball tryouts");
  await b.getByRole("button", { name: "Save draft" }).click();

  // Back online: each syncs; A syncs again to receive what B pushed after it.
  await a.context().setOffline(false);
  await b.context().setOffline(false);
  for (const p of [a, b, a, b]) {
    await p.getByRole("button", { name: "Sync now" }).click();
    await expect(p.locator(`[data-record="${id}"] [data-state]`)).toHaveAttribute("data-state", "synced");
  }
  for (const p of [a, b]) {
    await p.locator(`[data-record="${id}"]`).click();
    await expect(p.getByRole("group", { name: /^Where/ }).getByLabel("Gym")).toBeChecked();
    await expect(p.getByLabel("Narrative (optional)")).toHaveValue("Talked about the basketball tryouts");
  }
  await shot(b, "form-merged-draft");
});
