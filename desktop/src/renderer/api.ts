import { useCallback, useEffect, useRef, useState } from 'react';
import type { JobTransition } from './types.js';

/** An API failure as the hub reports it (`{code, message, statusCode}`), or a network failure. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** Calls the hub API with the session cookie (same origin); throws ApiError on any non-2xx. */
export async function api<T>(path: string, init: RequestInit & { json?: unknown } = {}): Promise<T> {
  const { json, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (json !== undefined) headers.set('content-type', 'application/json');
  let res: Response;
  try {
    res = await fetch(path, {
      ...rest,
      headers,
      credentials: 'same-origin',
      ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
    });
  } catch (err) {
    throw new ApiError('NETWORK', `The daemon did not answer (${(err as Error).message})`, 0);
  }
  const text = await res.text();
  const body = text ? (JSON.parse(text) as unknown) : null;
  if (!res.ok) {
    const e = (body ?? {}) as { code?: string; message?: string };
    throw new ApiError(e.code ?? `HTTP_${res.status}`, e.message ?? res.statusText, res.status);
  }
  return body as T;
}

type Listener = (t: JobTransition) => void;
/** A running-server event from the SSE stream (`event: run`). */
export interface RunEvent {
  type: 'started' | 'stats' | 'log' | 'exited';
  org: string;
  id?: string;
  run?: { id: string };
  stats?: { at: string; cpuPercent: number; memoryBytes: number; pids: number };
  text?: string;
}
type RunListener = (e: RunEvent) => void;

/** One EventSource for the whole app; screens subscribe to job transitions through it. */
class EventHub {
  #source: EventSource | null = null;
  readonly #listeners = new Set<Listener>();
  readonly #status = new Set<(up: boolean) => void>();
  #up = false;
  readonly #runListeners = new Set<RunListener>();

  subscribeRuns(fn: RunListener): () => void {
    this.#runListeners.add(fn);
    this.#open();
    return () => this.#runListeners.delete(fn);
  }

  subscribe(fn: Listener): () => void {
    this.#listeners.add(fn);
    this.#open();
    return () => this.#listeners.delete(fn);
  }

  onStatus(fn: (up: boolean) => void): () => void {
    this.#status.add(fn);
    this.#open();
    // The stream may have opened before this listener came (the first subscriber opens it).
    if (this.#up) fn(true);
    return () => this.#status.delete(fn);
  }

  #open(): void {
    if (this.#source) return;
    const source = new EventSource('/api/v1/events', { withCredentials: true });
    source.addEventListener('job', (ev) => {
      const t = JSON.parse((ev as MessageEvent<string>).data) as JobTransition;
      for (const fn of this.#listeners) fn(t);
    });
    source.addEventListener('run', (ev) => {
      const e = JSON.parse((ev as MessageEvent<string>).data) as RunEvent;
      for (const fn of this.#runListeners) fn(e);
    });
    source.onopen = () => {
      this.#up = true;
      for (const fn of this.#status) fn(true);
    };
    source.onerror = () => {
      this.#up = false;
      for (const fn of this.#status) fn(false);
    };
    this.#source = source;
  }
}

export const events = new EventHub();

export function useJobEvents(fn: Listener): void {
  const ref = useRef(fn);
  ref.current = fn;
  useEffect(() => events.subscribe((t) => ref.current(t)), []);
}

/** Running-server events (started, stats, log, exited) for as long as the component is mounted. */
export function useRunEvents(fn: RunListener): void {
  const ref = useRef(fn);
  ref.current = fn;
  useEffect(() => events.subscribeRuns((e) => ref.current(e)), []);
}

export interface Loaded<T> {
  data: T | null;
  error: ApiError | null;
  loading: boolean;
  reload: () => void;
}

/**
 * Loads `path` and reloads it whenever a job transition arrives that `relevant` accepts (all by
 * default), so screens stay live without a refresh button.
 */
export function useLive<T>(
  path: string | null,
  relevant: (t: JobTransition) => boolean = () => true,
): Loaded<T> {
  const [state, setState] = useState<{ data: T | null; error: ApiError | null; loading: boolean }>({
    data: null,
    error: null,
    loading: true,
  });
  const seq = useRef(0);
  const load = useCallback(() => {
    if (!path) return;
    const mine = ++seq.current;
    api<T>(path).then(
      (data) => mine === seq.current && setState({ data, error: null, loading: false }),
      (error: ApiError) => mine === seq.current && setState((s) => ({ data: s.data, error, loading: false })),
    );
  }, [path]);
  useEffect(() => {
    setState({ data: null, error: null, loading: true });
    load();
  }, [load]);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useJobEvents((t) => {
    if (!relevant(t)) return;
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(load, 150);
  });
  return { ...state, reload: load };
}
