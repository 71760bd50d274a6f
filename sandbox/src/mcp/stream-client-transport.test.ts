import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { StreamClientTransport } from './stream-client-transport.js';

describe('StreamClientTransport', () => {
  it('a server that exits at once (stdin closed: EPIPE) cannot crash the host process', async () => {
    // A package under test that is not an MCP server: it exits before reading anything.
    const child = spawn(process.execPath, ['-e', 'process.exit(0)'], { stdio: ['pipe', 'pipe', 'ignore'] });
    const transport = new StreamClientTransport(child.stdout!, child.stdin!);
    const errors: Error[] = [];
    transport.onerror = (err) => errors.push(err);
    await transport.start();
    await once(child, 'exit');
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown) => uncaught.push(err);
    process.on('uncaughtException', onUncaught);
    try {
      const message = {
        jsonrpc: '2.0' as const,
        id: 1,
        method: 'initialize',
        params: { big: 'x'.repeat(1 << 20) },
      };
      const outcomes = await Promise.allSettled([transport.send(message), transport.send(message)]);
      await new Promise((r) => setTimeout(r, 100));
      // Each send either fails cleanly or was buffered before the pipe broke; none throws out of band.
      expect(outcomes.some((o) => o.status === 'rejected')).toBe(true);
      expect(uncaught).toEqual([]);
      expect(errors.length + outcomes.filter((o) => o.status === 'rejected').length).toBeGreaterThan(0);
    } finally {
      process.off('uncaughtException', onUncaught);
      await transport.close();
    }
  });
});
