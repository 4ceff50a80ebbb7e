// Not a test suite: `cargo xtask budgets` runs scripts/budgets.run.ts with
// Playwright's runner (for TypeScript and the browser) and prints the figures.
import { defineConfig } from "@playwright/test";
import base from "../playwright.config";

export default defineConfig({ ...base, testDir: ".", testMatch: "budgets.run.ts", timeout: 45 * 60_000 });
