import "./styles.css";
import { registerSW } from "virtual:pwa-register";
import { App, fatal } from "./app";
import { loadCore } from "./core";

const root = document.getElementById("app") as HTMLElement;
// The service worker precaches the app shell (and the wasm) so the next start
// needs no network at all.
registerSW({ immediate: true });
loadCore()
  .then(async () => {
    const app = new App(root);
    // Compiled out of the production build (MODE is "production" there).
    if (import.meta.env.MODE === "budget") (await import("./budget")).installBudgetHooks(app);
    await app.start();
  })
  .catch((e: unknown) => fatal(root, e));
