// What a screen may ask of the app: the session, where to go next, signing
// in and out, the lock. Screens depend on this interface rather than on
// app.ts, which imports every screen, so the two form no import cycle.
import type { AskCode } from "./api";
import type { Session } from "./session";

/** The desk views of supervisors, school leaders, analysts, auditors, admins and command staff. */
export type DeskScreen = "queue" | "overcalling" | "activity" | "report" | "audit" | "directory" | "complaints" | "agreements" | "assessment" | "training";
export type Screen = "list" | "form" | "detail" | "shift" | DeskScreen;

export interface Nav {
  session: Session | undefined;
  /** The form sets this to flush pending typing before the screen changes. */
  beforeLeave: () => Promise<void>;
  go(screen: Screen, id?: string): Promise<void>;
  /** `askCode` is called when the account has two-step sign-in set up. */
  signIn(username: string, password: string, askCode: AskCode): Promise<void>;
  unlock(password: string): Promise<void>;
  /** The sign-in screen in place of the unlock (a forgotten passphrase). */
  signInOnline(): void;
  lock(): void;
  signOut(): Promise<void>;
}
