import type { ReactNode } from 'react';
import type { ApiError, Loaded } from '../api.js';

export function Loading({ what }: { what: string }) {
  return (
    <p className="state loading" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="state empty">{children}</div>;
}

export function ErrorBox({ error, retry }: { error: ApiError | Error; retry?: () => void }) {
  const code = 'code' in error ? (error as ApiError).code : 'ERROR';
  return (
    <div className="state error" role="alert">
      <strong>{code}</strong> {error.message}
      {code === 'HUB_ERR_UNAUTHENTICATED' && (
        <p>
          Your session has ended (signed out, expired, or its token was revoked):{' '}
          <a href="/login">sign in again</a>.
        </p>
      )}
      {retry && (
        <button type="button" onClick={retry}>
          Retry
        </button>
      )}
    </div>
  );
}

/** Renders loading / error / content for a live resource. */
export function Async<T>({
  res,
  what,
  children,
}: {
  res: Loaded<T>;
  what: string;
  children: (data: T) => ReactNode;
}) {
  if (res.data === null && res.error) return <ErrorBox error={res.error} retry={res.reload} />;
  if (res.data === null) return <Loading what={what} />;
  return (
    <>
      {res.error && <ErrorBox error={res.error} retry={res.reload} />}
      {children(res.data)}
    </>
  );
}
