// Sign-in (online) and unlock (works offline).
import type { Nav } from "../nav";
import { fieldId, h } from "../ui";

function passwordForm(title: string, intro: string, withUser: boolean, button: string, onSubmit: (user: string, password: string) => Promise<void>, extra?: HTMLElement): HTMLElement {
  const userId = fieldId();
  const pwId = fieldId();
  const error = h("p", { class: "problem", role: "alert" });
  const form = h("form", {
    onsubmit: async (e: Event) => {
      e.preventDefault();
      const data = new FormData(e.target as HTMLFormElement);
      error.textContent = "";
      const btn = form.querySelector("button[type=submit]") as HTMLButtonElement;
      btn.disabled = true;
      btn.textContent = "Please wait…";
      try {
        await onSubmit(String(data.get("username") ?? ""), String(data.get("password") ?? ""));
      } catch (err) {
        error.textContent = err instanceof Error ? err.message : String(err);
        btn.disabled = false;
        btn.textContent = button;
      }
    },
  },
    withUser ? h("div", { class: "field" }, h("label", { for: userId }, "Username"), h("input", { id: userId, name: "username", autocomplete: "username", autocapitalize: "none", required: true })) : "",
    h("div", { class: "field" }, h("label", { for: pwId }, "Password"), h("input", { id: pwId, name: "password", type: "password", autocomplete: "current-password", required: true })),
    error,
    h("button", { type: "submit", class: "primary big" }, button));
  return h("div", { class: "screen narrow" }, h("h1", {}, title), h("p", { class: "help" }, intro), form, extra ?? "");
}

export function signInScreen(app: Nav, note?: string): HTMLElement {
  return passwordForm(
    "Fieldlog",
    note ?? "Sign in with your agency account. You need a network for this once; after that the app works offline.",
    true,
    "Sign in",
    (u, p) => app.signIn(u, p),
  );
}

export function unlockScreen(app: Nav): HTMLElement {
  return passwordForm(
    "Unlock Fieldlog",
    "Your records on this phone are encrypted. Enter your password to open them (works offline).",
    false,
    "Unlock",
    (_u, p) => app.unlock(p),
  );
}
