import '@xterm/xterm/css/xterm.css';
import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import { useEffect, useRef, useState } from 'react';

/**
 * xterm.js adds `<style>` elements for its measurements and theme; the UI's CSP (`style-src 'self'`)
 * refuses inline style elements, so their text is mirrored into a constructed stylesheet, which the
 * CSP does not govern and which cannot carry script.
 */
function mirrorStyleElements(root: HTMLElement): () => void {
  const sheets = new Map<HTMLStyleElement, CSSStyleSheet>();
  const sync = () => {
    for (const el of root.querySelectorAll('style')) {
      let sheet = sheets.get(el);
      if (!sheet) {
        sheet = new CSSStyleSheet();
        sheets.set(el, sheet);
        document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
      }
      sheet.replaceSync(el.textContent ?? '');
    }
  };
  const observer = new MutationObserver(sync);
  observer.observe(root, { subtree: true, childList: true, characterData: true });
  sync();
  return () => {
    observer.disconnect();
    const mine = new Set(sheets.values());
    document.adoptedStyleSheets = document.adoptedStyleSheets.filter((s) => !mine.has(s));
  };
}

/** A shell inside the running server's sandbox, over `GET /api/v1/runs/:id/terminal` (WebSocket). */
export function TerminalPane({ runId }: { runId: string }) {
  const host = useRef<HTMLElement>(null);
  const [status, setStatus] = useState<'connecting' | 'open' | 'closed'>('connecting');
  const [reason, setReason] = useState('');

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const unmirror = mirrorStyleElements(el);
    const term = new Terminal({ cursorBlink: true, fontSize: 13, convertEol: false, rows: 16 });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(el);
    const proto = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(
      `${proto}//${window.location.host}/api/v1/runs/${encodeURIComponent(runId)}/terminal`,
    );
    const resize = () => {
      try {
        fit.fit();
      } catch {}
      if (ws.readyState === WebSocket.OPEN)
        ws.send(JSON.stringify({ type: 'resize', cols: term.cols, rows: term.rows }));
    };
    ws.onopen = () => {
      setStatus('open');
      resize();
      term.focus();
    };
    ws.onmessage = (ev) => term.write(typeof ev.data === 'string' ? ev.data : '');
    ws.onclose = (ev) => {
      setStatus('closed');
      setReason(ev.reason || (ev.code === 1006 ? 'the daemon refused or dropped the connection' : ''));
    };
    const input = term.onData((data) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'input', data }));
    });
    const observer = new ResizeObserver(resize);
    observer.observe(el);
    return () => {
      observer.disconnect();
      input.dispose();
      ws.close();
      term.dispose();
      unmirror();
    };
  }, [runId]);

  return (
    <div className="terminal-pane">
      <p className="muted" role="status" aria-live="polite">
        {status === 'connecting' && 'Connecting to a shell inside the sandbox…'}
        {status === 'open' &&
          "A shell in the server's namespaces (its filesystem, processes, network, hostname), with no capabilities."}
        {status === 'closed' && `The terminal is closed${reason ? `: ${reason}` : ''}.`}
      </p>
      <section ref={host} className="terminal" data-testid="terminal" aria-label="Sandbox terminal" />
    </div>
  );
}
