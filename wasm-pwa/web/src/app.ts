// Screens, the idle lock and when to sync. State lives in Session; this file
// only decides what is on screen.
import { getMeta, openDb, type Db } from "./db";
import { Session } from "./session";
import { detailScreen, type OnlineRecord } from "./screens/detail";
import { formScreen } from "./screens/form";
import { listScreen, syncLine } from "./screens/list";
import { endOfShiftScreen } from "./screens/shift";
import { providerProblem, providerReturnScreen, signInScreen, unlockScreen } from "./screens/signin";
import { ApiError, type AskCode } from "./api";
import { h } from "./ui";
import type { Nav, Screen } from "./nav";


/** The app locks after this long without input (issue 4; SECURITY.md). */
export const IDLE_LOCK_MS = 30 * 60 * 1000;
const SYNC_EVERY_MS = 60 * 1000;

export class App implements Nav {
  session: Session | undefined;
  /** The form sets this to flush pending typing before the screen changes. */
  beforeLeave: () => Promise<void> = () => Promise.resolve();
  private db!: Db;
  private idleTimer: number | undefined;
  private current: { screen: Screen; id?: string } = { screen: "list" };

  constructor(private readonly root: HTMLElement) {}

  async start(): Promise<void> {
    this.db = await openDb();
    const meta = await getMeta(this.db);
    const back = providerReturn();
    if (back?.ticket) void this.finishProviderSignIn(back.ticket);
    else if (back?.error) this.show(signInScreen(this, providerProblem(back.error)), "Sign in");
    else if (meta?.session) this.show(unlockScreen(this, meta.passphrase), "Unlock");
    else this.show(signInScreen(this, meta ? "This phone holds records that have not reached the server yet. Sign in to sync them." : undefined), "Sign in");
    for (const ev of ["pointerdown", "keydown", "touchstart"]) window.addEventListener(ev, () => this.resetIdle(), { passive: true });
    window.addEventListener("online", () => {
      void this.session?.sync();
      this.refreshIfList();
    });
    window.addEventListener("offline", () => this.refreshIfList());
    // Leaving the page (tab switch, app switch, kill) flushes pending typing.
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "hidden") void this.beforeLeave();
    });
    window.addEventListener("pagehide", () => void this.beforeLeave());
    window.setInterval(() => void this.session?.sync(), SYNC_EVERY_MS);
  }

  private show(el: HTMLElement, title: string): void {
    this.root.replaceChildren(el);
    document.title = `${title} · Fieldlog`;
    // Move focus to the new screen's heading for screen-reader users.
    const heading = el.querySelector("h1");
    if (heading) {
      heading.setAttribute("tabindex", "-1");
      heading.focus({ preventScroll: true });
    }
  }

  /** Redraws only the list's sync line: a quiet sync changes nothing else. */
  private refreshStatus(): void {
    if (!this.session || this.current.screen !== "list") return;
    this.root.querySelector(".sync-line")?.replaceWith(syncLine(this));
  }

  /** Redraws the list where the officer had scrolled to. */
  private refreshIfList(): void {
    if (!this.session || this.current.screen !== "list") return;
    const y = window.scrollY;
    void this.go("list").then(() => window.scrollTo(0, y));
  }

  async go(screen: Screen, id?: string): Promise<void> {
    await this.beforeLeave();
    this.beforeLeave = () => Promise.resolve();
    if (!this.session) return;
    this.current = { screen, id };
    window.scrollTo(0, 0);
    // A record's documents come into memory only to be shown or edited.
    if (id && (screen === "form" || screen === "detail")) await this.session.ensure(id);
    if (screen === "list") this.show(listScreen(this), "My records");
    else if (screen === "form") this.show(formScreen(this, id), id ? "Edit" : "Log a contact");
    else if (screen === "detail" && id && this.session.holds(id)) this.show(detailScreen(this, id), "Record");
    else if (screen === "detail" && id) {
      // Older than the phone's window: read it online.
      try {
        this.show(detailScreen(this, id, await this.session.fetchJson<OnlineRecord>(`/api/v1/incidents/${encodeURIComponent(id)}`)), "Record");
      } catch (e) {
        this.show(h("div", { class: "screen" },
          h("button", { type: "button", class: "secondary", onclick: () => void this.go("list") }, "← Records"),
          h("h1", {}, "Record"),
          h("p", {}, `This record is not on this phone and could not be read online: ${e instanceof Error ? e.message : String(e)}`)), "Record");
      }
    }
    // Desk views load on demand: an officer's phone never downloads them.
    else if (screen === "shift") this.show(endOfShiftScreen(this), "End of shift");
    else if (screen === "queue") this.show((await import("./screens/queue")).queueScreen(this, id), "Review queue");
    else if (screen === "overcalling") this.show((await import("./screens/overcalling")).overcallingScreen(this, id), "Over-calling");
    else if (screen === "activity") this.show((await import("./screens/activity")).activityScreen(this, id), "SRO activity");
    else if (screen === "report") this.show((await import("./screens/report")).reportScreen(this), "Reports");
    else if (screen === "audit") this.show((await import("./screens/audit")).auditScreen(this), "Access log");
    else if (screen === "directory") this.show((await import("./screens/directory")).directoryScreen(this), "Directory");
    else if (screen === "complaints") this.show((await import("./screens/complaints")).complaintsScreen(this, id), "Complaints");
    else if (screen === "agreements") this.show((await import("./screens/agreements")).agreementsScreen(this), "Agreements");
    else if (screen === "assessment") this.show((await import("./screens/assessment")).assessmentScreen(this), "Annual assessment");
    else if (screen === "training") this.show((await import("./screens/training")).trainingScreen(this), "Training");
  }

  /** Where a role starts: officers on their records, the others on their first desk view. */
  private async home(): Promise<void> {
    const role = this.session?.user.role;
    if (role === "sro") return this.go("list");
    const { deskScreens } = await import("./screens/desk");
    const first = deskScreens(this.session?.user.desk_views)[0];
    if (first) return this.go(first.screen);
    this.show(h("div", { class: "screen" },
      h("h1", {}, "Nothing to show here"),
      h("p", {}, "This app has no screen for your role yet; use the API."),
      h("button", { type: "button", class: "secondary", onclick: () => void this.signOut() }, "Sign out")), "Fieldlog");
  }

  private async opened(session: Session): Promise<void> {
    this.session = session;
    session.onChange = () => this.refreshIfList();
    session.onStatus = () => this.refreshStatus();
    session.onEnded = (why) => {
      this.session = undefined;
      window.clearTimeout(this.idleTimer);
      this.show(
        signInScreen(this, why === "disabled"
          ? "This account is disabled. Records that had not reached the server stay on this phone, encrypted."
          : "Your sign-in has ended. Sign in again to go on."),
        "Sign in",
      );
    };
    this.resetIdle();
    await this.home();
    if (session.user.role === "sro" || session.user.role === "supervisor") void session.sync();
  }

  async signIn(username: string, password: string, askCode: AskCode): Promise<void> {
    await this.opened(await Session.signIn(this.db, username, password, askCode));
  }

  /** The identity provider sent the browser back with a ticket: redeem it, then open the phone. */
  private async finishProviderSignIn(ticket: string): Promise<void> {
    const { el, askCode, choosePassphrase } = providerReturnScreen();
    this.show(el, "Sign in");
    try {
      await this.opened(await Session.withTicket(this.db, ticket, askCode, choosePassphrase));
    } catch (e) {
      const disabled = e instanceof ApiError && e.code === "account_disabled";
      const why = e instanceof ApiError ? providerProblem(disabled ? "account_disabled" : "expired") : e instanceof Error ? e.message : String(e);
      this.show(signInScreen(this, why), "Sign in");
    }
  }

  signInOnline(): void {
    this.show(signInScreen(this, "Sign in online to open this phone; you then choose a new passphrase."), "Sign in");
  }

  async unlock(password: string): Promise<void> {
    await this.opened(await Session.unlock(this.db, password));
  }

  private resetIdle(): void {
    window.clearTimeout(this.idleTimer);
    if (this.session) this.idleTimer = window.setTimeout(() => this.lock(), IDLE_LOCK_MS);
  }

  /** Forgets the key and the decrypted records; the password opens them again. */
  lock(): void {
    void this.beforeLeave().finally(() => {
      this.beforeLeave = () => Promise.resolve();
      this.session = undefined;
      window.clearTimeout(this.idleTimer);
      void getMeta(this.db).then((meta) => this.show(unlockScreen(this, meta?.passphrase), "Unlock"));
    });
  }

  async signOut(): Promise<void> {
    await this.beforeLeave();
    const s = this.session;
    if (!s) return;
    if (navigator.onLine) await s.sync();
    await s.signOut();
    this.session = undefined;
    const meta = await getMeta(this.db);
    this.show(signInScreen(this, meta ? "Signed out. Records that had not reached the server stay on this phone, encrypted, until you sign in again." : "Signed out."), "Sign in");
  }
}

/**
 * What the identity provider's sign-in brought back in the fragment
 * (`#oidc=<ticket>` or `#oidc-error=<code>`), taken out of the address at
 * once so that the ticket is in no history entry, bookmark or screenshot.
 */
function providerReturn(): { ticket?: string; error?: string } | undefined {
  const m = /^#oidc(-error)?=([A-Za-z0-9_-]+)$/.exec(location.hash);
  if (!m) return undefined;
  history.replaceState(null, "", location.pathname + location.search);
  return m[1] ? { error: m[2] } : { ticket: m[2] };
}

export function fatal(root: HTMLElement, e: unknown): void {
  root.replaceChildren(h("div", { class: "screen" }, h("h1", {}, "Fieldlog could not start"), h("p", {}, e instanceof Error ? e.message : String(e))));
}
