import type { Readable, Writable } from 'node:stream';
import type { ToolsGuard } from '../guard/tools-guard.js';
import type { SandboxedProcess } from '../run-types.js';

/**
 * `mcphub run`'s plumbing: the MCP client's stdio ↔ the sandboxed server, through the tools guard
 * when there is a certified digest. Server stderr goes to `errorOutput` (the CLI's stderr), so
 * stdout carries nothing but MCP.
 */
export function bridgeStdio(
  run: SandboxedProcess,
  io: { input: Readable; output: Writable; errorOutput?: Writable; guard?: ToolsGuard },
): void {
  if (!run.stdin || !run.stdout) throw new Error('bridgeStdio needs a run started with stdio: pipe');
  const { input, output, guard } = io;
  // end: false on the client side: the CLI decides when its own stdout closes.
  if (guard) {
    input.pipe(guard.toServer).pipe(run.stdin);
    run.stdout.pipe(guard.toClient).pipe(output, { end: false });
  } else {
    input.pipe(run.stdin);
    run.stdout.pipe(output, { end: false });
  }
  run.stdin.on('error', () => {}); // the server went away; wait() reports why
  if (io.errorOutput) run.stderr?.pipe(io.errorOutput, { end: false });
  else run.stderr?.resume();
}
