import { randomBytes, timingSafeEqual } from 'node:crypto';

/** How long a printed login link stays valid, and how long a browser session lasts. */
export const LOGIN_TOKEN_TTL_MS = 15 * 60 * 1000;
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

const randomId = () => randomBytes(32).toString('base64url');

/**
 * One-time login tokens and the browser sessions they open, kept in memory: a restart logs every
 * browser out and voids unused links, which is what a local daemon wants. A session carries the
 * bearer secret it stands for, so every existing authorizer sees an ordinary token.
 */
export class UiSessions {
  readonly #logins = new Map<string, number>();
  readonly #sessions = new Map<string, { bearer: string; expiresAt: number }>();

  constructor(
    private readonly bearer: () => string,
    private readonly now: () => number = Date.now,
  ) {}

  /** A fresh single-use login token. */
  issueLoginToken(ttlMs = LOGIN_TOKEN_TTL_MS): string {
    this.#sweep();
    const token = randomId();
    this.#logins.set(token, this.now() + ttlMs);
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
    this.#logins.delete(found);
    const id = randomId();
    this.#sessions.set(id, { bearer: this.bearer(), expiresAt: this.now() + SESSION_TTL_MS });
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

  #sweep(): void {
    const now = this.now();
    for (const [k, exp] of this.#logins) if (exp <= now) this.#logins.delete(k);
    for (const [k, s] of this.#sessions) if (s.expiresAt <= now) this.#sessions.delete(k);
  }
}
