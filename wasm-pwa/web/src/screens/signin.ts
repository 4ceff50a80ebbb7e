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
  const step = h("div", {});
  // The second step, when the account has it: a code from the person's
  // authenticator app, asked for in place of the password form.
  const askCode = () =>
    new Promise<string>((resolve) => {
      const id = fieldId();
      const input = h("input", { id, name: "code", inputmode: "numeric", autocomplete: "one-time-code", pattern: "[0-9]{6}", maxlength: "6", required: true });
      screen.querySelector("form")?.setAttribute("hidden", "");
      step.replaceChildren(h("form", { onsubmit: (e: Event) => { e.preventDefault(); resolve(input.value.trim()); } },
        h("div", { class: "field" }, h("label", { for: id }, "Code from your authenticator app"), input),
        h("button", { type: "submit", class: "primary big" }, "Continue")));
      input.focus();
    });
  const screen = passwordForm(
    "Fieldlog",
    note ?? "Sign in with your agency account. You need a network for this once; after that the app works offline.",
    true,
    "Sign in",
    async (u, p) => {
      try {
        await app.signIn(u, p, askCode);
      } finally {
        // A wrong code starts over from the password.
        step.replaceChildren();
        screen.querySelector("form")?.removeAttribute("hidden");
      }
    },
    step,
  );
  return screen;
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
