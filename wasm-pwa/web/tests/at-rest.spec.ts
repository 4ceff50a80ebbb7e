// Issue 4 (d): what the phone stores is ciphertext. Records with planted
// canary values are saved; then the browser profile's raw IndexedDB files are
// searched for the canaries (as UTF-8 and UTF-16) and for a value that is
// stored in the clear on purpose, so the search is known to read the right files.
import { chromium, expect, test } from "@playwright/test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import config from "../playwright.config";
import { shot, signIn, startServer, type Server } from "./server";
import { logCustodyRecord } from "./helpers";

let server: Server;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.stop();
});

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

function contains(haystack: Buffer, needle: string): boolean {
  return haystack.includes(Buffer.from(needle, "utf8")) || haystack.includes(Buffer.from(needle, "utf16le"));
}

test("the raw IndexedDB files hold none of the planted values", async () => {
  const profile = mkdtempSync(join(tmpdir(), "fieldlog-profile-"));
  const context = await chromium.launchPersistentContext(profile, {
    ...config.use,
    executablePath: config.use?.launchOptions?.executablePath,
    args: config.use?.launchOptions?.args,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  await signIn(page, server.url, "sro.okafor");
  const canaries = ["CANARY-REF-7731", "CANARY narrative Zebulon", "CANARY-ORIENT-4411"];
  // Keep the records on the phone only: offline, so nothing is synced away.
  await context.setOffline(true);
  await logCustodyRecord(page, canaries[0], canaries[1]);
  await page.getByRole("button", { name: "← Records" }).click();
  await page.getByRole("button", { name: "+ Log a contact" }).click();
  await page.getByRole("button", { name: "Routine contact" }).click();
  await page.getByLabel("Student number or initials").fill("CANARY-REF-7731-B");
  await page.getByText("Sexual orientation / gender identity").click();
  await page.getByText("The student volunteered this").click();
  await page.getByLabel("Sexual orientation, in the student's words").fill(canaries[2]);
  await page.getByRole("button", { name: "Save draft" }).click();
  await page.getByRole("heading", { name: "My records" }).waitFor();
  await shot(page, "records-offline-outbox");
  const userId = await page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((ok, fail) => {
      const r = indexedDB.open("fieldlog");
      r.onsuccess = () => ok(r.result);
      r.onerror = () => fail(r.error);
    });
    const meta = await new Promise<{ user: string }>((ok) => {
      const r = db.transaction("meta").objectStore("meta").get("meta");
      r.onsuccess = () => ok(r.result as { user: string });
    });
    return meta.user;
  });
  await context.close();

  const idb = files(profile).filter((f) => f.includes("IndexedDB"));
  expect(idb.length, "the profile has IndexedDB files").toBeGreaterThan(0);
  const bytes = Buffer.concat(idb.map((f) => readFileSync(f)));
  expect(contains(bytes, userId), "the search reads the stored values (the user id is stored in the clear)").toBe(true);
  for (const canary of canaries) expect(contains(bytes, canary), `${canary} is not in IndexedDB`).toBe(false);
  rmSync(profile, { recursive: true, force: true });
});
