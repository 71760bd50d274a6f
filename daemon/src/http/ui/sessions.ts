import { randomBytes, timingSafeEqual } from 'node:crypto';

/** How long a printed login link stays valid, and how long a browser session lasts. */
export const LOGIN_TOKEN_TTL_MS = 15 * 60 * 1000;
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

const randomId = () => randomBytes(32).toString('base64url');

/**
 * One-time login tokens and the browser sessions they open, kept in memory: a restart logs every
 * browser out and voids unused links, which is what a local daemon wants. A session carries the
 * bearer secret of the principal it was opened for (the admin token for the link the daemon prints,
 * the caller's own token for a link asked for with it, or a token pasted into the login form), so
 * every existing authorizer sees an ordinary token: a session never has more rights than that token,
 * and revoking the token ends the session.
 */
export class UiSessions {
  readonly #logins = new Map<string, { expiresAt: number; bearer: string | null }>();
  readonly #sessions = new Map<string, { bearer: string; expiresAt: number }>();

  constructor(
    /** The admin bearer, for login tokens issued without one (the link printed at start-up). */
    private readonly adminBearer: () => string,
    private readonly now: () => number = Date.now,
  ) {}

  /** A fresh single-use login token for `bearer`'s principal (default: the hub admin). */
  issueLoginToken(bearer: string | null = null, ttlMs = LOGIN_TOKEN_TTL_MS): string {
    this.#sweep();
    const token = randomId();
    this.#logins.set(token, { expiresAt: this.now() + ttlMs, bearer });
    return token;
  }

  /** Spends a login token: a new session id, or null when unknown, used or expired. */
  login(token: string): string | null {
    this.#sweep();
    let found: string | null = null;
    // Compare in constant time; the map key lookup alone would leak nothing useful, but be strict.
    for (const known of this.#logins.keys()) {
      if (known.length === token.length && timingSafeEqual(Buffer.from(known), Buffer.from(token))) {
        found = known;
      }
    }
    if (!found) return null;
    const entry = this.#logins.get(found)!;
    this.#logins.delete(found);
    return this.open(entry.bearer ?? this.adminBearer());
  }

  /** Opens a session standing for `bearer` (already checked by the caller). */
  open(bearer: string): string {
    const id = randomId();
    this.#sessions.set(id, { bearer, expiresAt: this.now() + SESSION_TTL_MS });
    return id;
  }

  /** The bearer secret a live session stands for. */
  bearerOf(sessionId: string): string | null {
    const s = this.#sessions.get(sessionId);
    if (!s) return null;
    if (s.expiresAt <= this.now()) {
      this.#sessions.delete(sessionId);
      return null;
    }
    return s.bearer;
  }

  logout(sessionId: string): void {
    this.#sessions.delete(sessionId);
  }

  /** Ends every session standing for `bearer` (its token was revoked or no longer authenticates). */
  endSessionsOf(bearer: string): void {
    for (const [k, s] of this.#sessions) if (s.bearer === bearer) this.#sessions.delete(k);
  }

  #sweep(): void {
    const now = this.now();
    for (const [k, l] of this.#logins) if (l.expiresAt <= now) this.#logins.delete(k);
    for (const [k, s] of this.#sessions) if (s.expiresAt <= now) this.#sessions.delete(k);
  }
}
