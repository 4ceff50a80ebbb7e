// Issue 21: a parent files a complaint on a phone, in Spanish, with no
// account, and checks on it with the tracking code; a commander assigns it
// and closes it at the desk; the officer it is about cannot read the
// complainant's contact details. axe on every page, at both sizes.
import { expect, test } from "@playwright/test";
import { apiToken, axe, signIn, startServer, type Server } from "./server";

let server: Server;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.stop();
});

test.describe.configure({ mode: "serial" });
let code = "";
let complaintId = "";

test.describe("a parent on a phone, in Spanish", () => {
  test.use({ viewport: { width: 360, height: 640 }, locale: "es-MX", isMobile: true, hasTouch: true });

  test("files a complaint and checks on it with the code", async ({ page }) => {
    await page.goto(`${server.url}/public/complaints`);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Cuéntenos sobre un oficial de recursos escolares");
    await axe(page, "complaint-form-es-phone");

    // Sent without saying what happened: the form says so, in Spanish.
    await page.getByLabel("Una queja").check();
    await page.getByLabel("Correo electrónico").fill("madre@example.org");
    await page.getByRole("button", { name: "Enviar" }).click();
    // The browser's own check stops an empty required field first; a
    // description of spaces reaches the server.
    await page.getByLabel("¿Qué pasó?").fill("   ");
    await page.getByRole("button", { name: "Enviar" }).click();
    await expect(page.getByRole("alert")).toContainText("Por favor, diga qué pasó.");
    await expect(page.getByLabel("Correo electrónico")).toHaveValue("madre@example.org");
    await axe(page, "complaint-form-es-problems-phone");

    await page.getByLabel("Escuela (si se trata de una)").selectOption({ label: "Lincoln High School" });
    await page.getByLabel("¿Qué oficial?", { exact: false }).fill("El oficial de la entrada");
    await page.getByLabel("¿Qué pasó?").fill("El oficial sujetó a mi hijo del brazo en el pasillo.");
    await page.getByLabel("Su nombre").fill("Rosa Díaz");
    await page.getByLabel("Raza o etnia").selectOption({ label: "Hispano o latino" });
    await page.getByLabel("¿Usted, o el estudiante, está aprendiendo inglés?").selectOption({ label: "Sí" });
    await page.getByRole("button", { name: "Enviar" }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Gracias. Recibimos su mensaje.");
    code = (await page.getByTestId("tracking-code").textContent()) ?? "";
    expect(code).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/);
    await axe(page, "complaint-filed-es-phone");

    await page.getByRole("link", { name: "Consultar su estado" }).click();
    await expect(page.getByTestId("status")).toContainText("Recibido");
    await axe(page, "complaint-status-es-phone");
  });
});

test.describe("at the desk", () => {
  test.use({ viewport: { width: 1280, height: 800 } });

  test("a commander assigns the complaint and closes it", async ({ page }) => {
    await signIn(page, server.url, "lt.reyes", "Complaints");
    const row = page.locator("tr[data-complaint]").first();
    await expect(row).toContainText("Received");
    complaintId = (await row.getAttribute("data-complaint")) ?? "";
    await axe(page, "complaints-list-desk");
    await row.getByRole("button", { name: "Open" }).click();
    const card = page.locator("[data-complaint-detail]");
    await expect(card).toContainText("El oficial sujetó a mi hijo");
    await expect(card.locator("[data-contact]")).toContainText("madre@example.org");

    await page.getByLabel("Investigator").selectOption({ label: "sgt.alvarez" });
    await page.getByLabel("Officer it concerns").selectOption({ label: "sro.martinez" });
    await page.getByRole("button", { name: "Assign" }).click();
    await expect(page.getByRole("status")).toContainText("Assigned.");
    await expect(card).toContainText("sgt.alvarez");
    await axe(page, "complaint-assigned-desk");

    await page.getByLabel("Finding", { exact: true }).selectOption({ label: "Not sustained" });
    await page.getByLabel("Why").fill("Hallway camera shows the officer guiding, not grabbing.");
    await page.getByRole("button", { name: "Record the finding" }).click();
    await expect(page.getByRole("status")).toContainText("Finding recorded.");
    await page.getByLabel("Closing note (optional)").fill("Parent called with the outcome.");
    await page.getByRole("button", { name: "Close the complaint" }).click();
    await expect(page.getByRole("status")).toContainText("Closed.");
    await expect(card.locator("dd").nth(1)).toHaveText("Closed");
    await page.setViewportSize({ width: 360, height: 640 });
    await axe(page, "complaint-closed-phone");
  });

  test("the officer it is about cannot read the complainant's contact details", async ({ request }) => {
    expect(complaintId).not.toBe("");
    const officer = await apiToken(server.url, "sro.martinez");
    const res = await request.get(`${server.url}/api/v1/complaints/${complaintId}`, { headers: { authorization: `Bearer ${officer}` } });
    expect(res.status()).toBe(403);
    expect(await res.text()).not.toContain("madre@example.org");
    const list = await request.get(`${server.url}/api/v1/complaints`, { headers: { authorization: `Bearer ${officer}` } });
    expect(list.status()).toBe(403);
  });
});

test("the parent sees it closed", async ({ page }) => {
  await page.goto(`${server.url}/public/complaints/status?lang=es&code=${encodeURIComponent(code.toLowerCase())}`);
  await expect(page.getByTestId("status")).toContainText("Cerrado");
});
