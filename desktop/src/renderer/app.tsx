import { type ReactNode, useEffect, useRef, useState } from 'react';
import { type ApiError, api, events, useJobEvents } from './api.js';
import { ErrorBox, Loading } from './components/states.js';
import { desktop } from './desktop-bridge.js';
import { href, useRoute } from './router.js';
import { Overview } from './screens/overview.js';
import { Registry } from './screens/registry.js';
import { Run } from './screens/run.js';
import { Settings } from './screens/settings.js';
import { Submit } from './screens/submit.js';
import { VersionScreen } from './screens/version.js';
import { type Session, SessionContext, signOut } from './session.js';

const NAV = [
  ['', 'Overview'],
  ['submit', 'Submit'],
  ['registry', 'Registry'],
  ['run', 'Run'],
  ['settings', 'Settings'],
] as const;

export function App() {
  const route = useRoute();
  const [session, setSession] = useState<'checking' | Session | ApiError>('checking');
  const [live, setLive] = useState(false);
  const main = useRef<HTMLElement>(null);

  useEffect(() => {
    api<Session>('/api/v1/ui/session').then(
      (s) => setSession(s),
      (e: ApiError) => setSession(e),
    );
  }, []);
  const signedIn = session !== 'checking' && !('code' in session);
  useEffect(() => (signedIn ? events.onStatus(setLive) : undefined), [signedIn]);
  // Move focus to the new screen on navigation (not on first load, so Tab starts at the skip link).
  const firstRoute = useRef(true);
  const routeKey = route.join('/');
  useEffect(() => {
    if (firstRoute.current) firstRoute.current = false;
    else if (routeKey !== undefined) main.current?.focus();
  }, [routeKey]);
  // Desktop extra: a notification when a certification finishes.
  useJobEvents((t) => {
    if (desktop && (t.to === 'PUBLISHED' || t.to === 'FAILED' || t.to === 'REJECTED')) {
      void desktop.invoke('notify:show', {
        title: `${t.org}/${t.name}@${t.version}: ${t.to}`,
        body: t.reason ?? '',
      });
    }
  });

  if (session === 'checking') return <Loading what="your session" />;
  if ('code' in session) {
    return (
      <main className="login-needed">
        <h1>MCP Hub</h1>
        {session.status === 401 ? (
          <p>
            You are not signed in. <a href="/login">Sign in with your hub API token</a>, open a one-time link
            from <code>mcphub ui login --token-file &lt;file&gt;</code>, or the link the daemon printed when
            it started (<code>Web UI: http://127.0.0.1:8080/login?token=…</code>, the hub admin).
          </p>
        ) : (
          <ErrorBox error={session} />
        )}
      </main>
    );
  }

  const [first = '', second, third] = route;
  let screen: ReactNode;
  if (first === 'submit') screen = <Submit />;
  else if (first === 'jobs' && second) screen = <VersionScreen id={second} />;
  else if (first === 'registry') screen = <Registry pkg={second && third ? `${second}/${third}` : null} />;
  else if (first === 'run') screen = <Run />;
  else if (first === 'settings') screen = <Settings />;
  else screen = <Overview />;

  return (
    <SessionContext.Provider value={session}>
      <div className="shell">
        <button type="button" className="skip" onClick={() => main.current?.focus()}>
          Skip to content
        </button>
        <header>
          <span className="brand">MCP Hub</span>
          <nav aria-label="Screens">
            {NAV.map(([path, label]) => (
              <a
                key={path}
                href={href(...(path ? [path] : []))}
                aria-current={
                  first === path || (path === 'registry' && first === 'registry') ? 'page' : undefined
                }
              >
                {label}
              </a>
            ))}
          </nav>
          <span className={`live ${live ? 'up' : 'down'}`} role="status" title="Server-Sent Events stream">
            {live ? '● live' : '○ reconnecting'}
          </span>
          <span className="whoami" data-testid="whoami">
            Signed in as <strong>{session.name}</strong>
            {session.hubAdmin ? ' (hub admin)' : ` (${session.token.scopes.join(' ')})`}
          </span>
          <button type="button" className="signout" onClick={() => void signOut()}>
            Sign out
          </button>
        </header>
        <main id="main" ref={main} tabIndex={-1}>
          {screen}
        </main>
      </div>
    </SessionContext.Provider>
  );
}
