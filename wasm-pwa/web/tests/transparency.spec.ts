// Issue 20: a parent reads the district's transparency page on a phone, in
// Spanish, with no account: charts beside tables, axe finds nothing, and no
// count from 1 to 9 appears anywhere on it; the CSV is one tap away, and the
// page switches to English.
import { expect, test, type Page } from "@playwright/test";
import { axe, startServer, type Server } from "./server";

let server: Server;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.stop();
});

/// Every whole number the page shows as text that is not part of a
/// decimal, a percentage or a year (2025-26): a count, wherever it is.
async function countsShown(page: Page): Promise<number[]> {
  const text = await page.locator("body").innerText();
  return (text.match(/(?<![\d.,-])\d+(?![\d.,%-])/g) ?? []).map(Number);
}

test.describe("a parent on a phone, in Spanish", () => {
  test.use({ viewport: { width: 360, height: 640 }, locale: "es-MX", isMobile: true, hasTouch: true });

  test("reads the year's figures with no sign-in", async ({ page }) => {
    await page.goto(`${server.url}/public/transparency`);
    await expect(page.getByRole("heading", { level: 1 })).toContainText("Los oficiales de recursos escolares en nuestras escuelas");
    // The four breakdowns, each a chart beside its table.
    for (const heading of ["Por raza o etnia", "Por sexo", "Por discapacidad", "Estudiantes de inglés"]) {
      const section = page.locator("section", { has: page.getByRole("heading", { level: 2, name: heading }) });
      await expect(section.locator("figure.chart")).toHaveCount(1);
      await expect(section.getByRole("table")).toHaveCount(1);
    }
    await expect(page.getByRole("rowheader", { name: "Negro o afroamericano" })).toBeVisible();
    // Nothing widens the page past the phone (hidden text in a sideways
    // table, a chart's bars made it 751 px wide, and the phone zoomed out).
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);

    // No count from 1 to 9: neither in a table cell nor anywhere in the text.
    const cells = await page.locator("[data-count]").evaluateAll((els) => els.map((e) => e.getAttribute("data-count") ?? ""));
    expect(cells.length).toBeGreaterThan(100);
    const withheld = cells.filter((c) => c === "withheld").length;
    expect(withheld, "the demo year has small counts to withhold").toBeGreaterThan(10);
    const small = cells.filter((c) => c !== "withheld" && Number(c) >= 1 && Number(c) <= 9);
    expect(small).toEqual([]);
    const shown = await countsShown(page);
    expect(shown.length).toBeGreaterThan(50);
    expect(shown.filter((n) => n >= 1 && n <= 9)).toEqual([]);
    await axe(page, "transparency-es-phone");

    // The same figures as CSV.
    const href = (await page.getByRole("link", { name: "Descargar estas cifras (CSV)" }).getAttribute("href")) ?? "";
    const csv = await page.request.get(`${server.url}${href}`);
    expect(csv.status()).toBe(200);
    expect(csv.headers()["content-type"]).toContain("text/csv");
    const lines = (await csv.text()).trim().split("\n");
    expect(lines[0]).toBe("school_year,scope,dimension,category,measure,count,suppressed");
    expect(lines.length).toBe(1 + 3 + 5 + (8 + 4 + 4 + 3) * 6);

    // Every public page leads to the figures and to the form.
    await expect(page.getByRole("navigation", { name: "Sobre el programa" }).getByRole("link", { name: "Enviar un mensaje" })).toBeVisible();
    await page.getByRole("link", { name: "English" }).click();
    await expect(page.getByRole("heading", { level: 1 })).toContainText("School resource officers in our schools");
    await expect(page.getByRole("rowheader", { name: "Black or African American" })).toBeVisible();
    await axe(page, "transparency-en-phone");
    await page.getByRole("navigation", { name: "About the program" }).getByRole("link", { name: "Send a message" }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Tell us about a school resource officer");
    await page.getByRole("link", { name: "The program's figures" }).click();
    await expect(page.getByRole("heading", { level: 1 })).toContainText("School resource officers in our schools");
  });
});
