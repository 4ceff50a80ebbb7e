// Sign-in (online: a password, or the agency's identity provider) and
// unlock (works offline).
import { identityProviders, providerStart, type AskCode, type TotpEnrolment } from "../api";
import type { Nav } from "../nav";
import { fieldId, h } from "../ui";

function passwordForm(title: string, intro: string, withUser: boolean, button: string, onSubmit: (user: string, password: string) => Promise<void>, extra?: HTMLElement, secretLabel = "Password"): HTMLElement {
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
    h("div", { class: "field" }, h("label", { for: pwId }, secretLabel), h("input", { id: pwId, name: "password", type: "password", autocomplete: "current-password", required: true })),
    error,
    h("button", { type: "submit", class: "primary big" }, button));
  return h("div", { class: "screen narrow" }, h("h1", {}, title), h("p", { class: "help" }, intro), form, extra ?? "");
}

/** The key to add to an authenticator app, with a link that opens one on this phone. */
function enrolmentHelp(e: TotpEnrolment): HTMLElement {
  const grouped = e.secret.match(/.{1,4}/g)?.join(" ") ?? e.secret;
  return h("div", { class: "enrol" },
    h("h2", {}, "Set up two-step sign-in"),
    h("p", { class: "help" }, "Your organisation asks for a code from an authenticator app when you sign in. Add this key to your app, or open the link on the phone that has the app; then type the code it shows."),
    h("p", {}, h("code", { "data-totp-secret": e.secret }, grouped)),
    h("p", {}, h("a", { href: e.otpauth_uri }, "Open in my authenticator app")));
}

/** Asks, in `step`, for the code from the person's authenticator app (after showing a new key to add to it). */
function codeStep(step: HTMLElement, before: () => void): AskCode {
  return (enrolment?: TotpEnrolment, problem?: string) =>
    new Promise<string>((resolve) => {
      const id = fieldId();
      const input = h("input", { id, name: "code", inputmode: "numeric", autocomplete: "one-time-code", pattern: "[0-9]{6}", maxlength: "6", required: true });
      before();
      step.replaceChildren(enrolment ? enrolmentHelp(enrolment) : "",
        h("form", { onsubmit: (e: Event) => { e.preventDefault(); resolve(input.value.trim()); } },
          h("div", { class: "field" }, h("label", { for: id }, "Code from your authenticator app"), input),
          h("p", { class: "problem", role: "alert" }, problem ?? ""),
          h("button", { type: "submit", class: "primary big" }, "Continue")));
      input.focus();
    });
}

/** A button per identity provider the server offers (none offline). */
function providerButtons(): HTMLElement {
  const box = h("div", { class: "providers" });
  void identityProviders().then((list) => {
    if (!list.length) return;
    box.replaceChildren(
      h("p", { class: "help" }, "Or, with your agency's or district's account:"),
      ...list.map((p) => h("button", { type: "button", class: "secondary big", onclick: () => location.assign(providerStart(p.id)) }, `Sign in with ${p.name}`)),
    );
  });
  return box;
}

export function signInScreen(app: Nav, note?: string): HTMLElement {
  const step = h("div", {});
  // The second step, when the account has it, in place of the password form.
  const askCode = codeStep(step, () => screen.querySelector("form")?.setAttribute("hidden", ""));
  const screen = passwordForm(
    "Fieldlog",
    note ?? "Sign in with your agency account. You need a network for this once; after that the app works offline.",
    true,
    "Sign in",
    async (u, p) => {
      try {
        await app.signIn(u, p, askCode);
      } finally {
        // Anything but a mistyped code (asked again) starts over from the password.
        step.replaceChildren();
        screen.querySelector("form")?.removeAttribute("hidden");
      }
    },
    h("div", {}, step, providerButtons()),
  );
  return screen;
}

/** Why the identity provider's sign-in came back without one (the callback's codes). */
export function providerProblem(code: string): string {
  switch (code) {
    case "not_linked": return "That sign-in is not linked to a Fieldlog account. Ask your agency's administrator to link it.";
    case "account_disabled": return "This account is disabled.";
    case "wrong_browser": return "That sign-in was started in another browser or app. Start it again here.";
    case "cancelled": return "The sign-in was cancelled.";
    case "provider_failed": return "The identity provider could not confirm who you are. Try again, or sign in with your password.";
    default: return "That sign-in took too long or was already used. Start it again.";
  }
}

/**
 * After the identity provider: the code (if the account has two-step
 * sign-in) and a passphrase for unlocking this phone offline, asked for in
 * turn on one screen.
 */
export function providerReturnScreen(): { el: HTMLElement; askCode: AskCode; choosePassphrase: () => Promise<string> } {
  const step = h("div", {}, h("p", { class: "help", role: "status" }, "Finishing your sign-in…"));
  const el = h("div", { class: "screen narrow" }, h("h1", {}, "Fieldlog"), step);
  const askCode = codeStep(step, () => undefined);
  const choosePassphrase = () =>
    new Promise<string>((resolve) => {
      const [one, two] = [fieldId(), fieldId()];
      const error = h("p", { class: "problem", role: "alert" });
      const first = h("input", { id: one, type: "password", autocomplete: "new-password", required: true, "aria-describedby": `${one}-help` });
      const again = h("input", { id: two, type: "password", autocomplete: "new-password", required: true });
      step.replaceChildren(
        h("h2", {}, "Choose a passphrase for this phone"),
        h("p", { class: "help", id: `${one}-help` }, "You will type it to open your records on this phone, also offline. It stays on this phone: it is not your agency password. At least 8 characters."),
        h("form", {
          onsubmit: (e: Event) => {
            e.preventDefault();
            if (first.value.length < 8) error.textContent = "Use at least 8 characters.";
            else if (first.value !== again.value) error.textContent = "The two do not match.";
            else {
              step.replaceChildren(h("p", { class: "help", role: "status" }, "Opening your records…"));
              resolve(first.value);
            }
          },
        },
          h("div", { class: "field" }, h("label", { for: one }, "Passphrase"), first),
          h("div", { class: "field" }, h("label", { for: two }, "The same again"), again),
          error,
          h("button", { type: "submit", class: "primary big" }, "Open Fieldlog")),
      );
      first.focus();
    });
  return { el, askCode, choosePassphrase };
}

export function unlockScreen(app: Nav, passphrase = false): HTMLElement {
  // A forgotten passphrase: an online sign-in opens the phone through the
  // server's key and asks for a new one.
  const forgot = passphrase
    ? h("button", { type: "button", class: "secondary big", onclick: () => app.signInOnline() }, "Forgot it? Sign in online")
    : undefined;
  return passwordForm(
    "Unlock Fieldlog",
    passphrase
      ? "Your records on this phone are encrypted. Enter the passphrase you chose for this phone to open them (works offline)."
      : "Your records on this phone are encrypted. Enter your password to open them (works offline).",
    false,
    "Unlock",
    (_u, p) => app.unlock(p),
    forgot,
    passphrase ? "Passphrase" : "Password",
  );
}
