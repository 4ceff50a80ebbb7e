// The server's Content-Security-Policy (issue 16, finding 9) lets the app
// run whole: the wasm core, the service worker, Chart.js loaded on demand.
// Any script, style, worker or connection the policy refuses fails the test.
import { expect, test } from "@playwright/test";
import { signIn, startServer, type Server } from "./server";

let server: Server;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.stop();
});
test.use({ viewport: { width: 1280, height: 800 } });

for (const [user, home] of [
  ["sro.martinez", "My records"],
  ["sgt.brooks", "Review queue"],
  ["principal.roosevelt", "Over-calling"],
  ["analyst.district", "Report"],
] as const) {
  test(`the policy refuses nothing the app does: ${user}`, async ({ page }) => {
    const refused: string[] = [];
    page.on("console", (m) => {
      if (/Content Security Policy|^CSP /.test(m.text())) refused.push(m.text());
    });
    page.on("pageerror", (e) => refused.push(String(e)));
    await page.addInitScript(() => {
      document.addEventListener("securitypolicyviolation", (e) =>
        console.error(`CSP ${e.violatedDirective} ${e.blockedURI}`),
      );
    });
    const first = await page.goto(server.url);
    const csp = first?.headers()["content-security-policy"] ?? "";
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("unsafe-inline");
    await signIn(page, server.url, user, home);
    if (user === "principal.roosevelt") {
      await expect(page.locator('figure.chart[data-drawn="true"]')).toHaveCount(6);
    }
    await page.evaluate(() => navigator.serviceWorker.ready);
    expect(refused).toEqual([]);
  });
}
