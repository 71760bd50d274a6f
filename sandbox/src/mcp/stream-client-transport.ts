import type { Readable, Writable } from 'node:stream';
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/**
 * An MCP client transport over an already-running process's stdio (the SDK's StdioClientTransport
 * insists on spawning the process itself; a sandboxed server is spawned by startSandboxed).
 */
export class StreamClientTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  private readonly buffer = new ReadBuffer();
  private started = false;

  constructor(
    private readonly input: Readable,
    private readonly output: Writable,
  ) {
    // A server that exits or closes its stdin makes our writes fail (EPIPE). Without a listener that
    // 'error' event would be thrown and end the whole host process (the hub): report it instead.
    this.output.on('error', (err) => this.onerror?.(err));
  }

  async start(): Promise<void> {
    if (this.started) throw new Error('StreamClientTransport already started');
    this.started = true;
    this.input.on('data', (chunk: Buffer) => {
      this.buffer.append(chunk);
      for (;;) {
        let message: JSONRPCMessage | null;
        try {
          message = this.buffer.readMessage();
        } catch (err) {
          this.onerror?.(err as Error);
          continue;
        }
        if (message === null) break;
        this.onmessage?.(message);
      }
    });
    this.input.on('error', (err) => this.onerror?.(err));
    this.input.on('close', () => this.onclose?.());
  }

  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.output.destroyed || this.output.writableEnded) {
        reject(new Error('the server closed its input'));
        return;
      }
      const written = this.output.write(serializeMessage(message), (err) => {
        if (err) reject(err);
      });
      if (written) resolve();
      else this.output.once('drain', () => resolve());
    });
  }

  async close(): Promise<void> {
    this.output.end();
    this.buffer.clear();
    this.onclose?.();
  }
}
