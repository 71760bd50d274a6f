/** J002 reports a toxic pair once, naming both tools, in every language. */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { scanDirectory } from '../../scan-directory.js';

const fixtures = fileURLToPath(new URL('./mcp-j002-toxic-tool-combination/fixtures/', import.meta.url));

describe('MCP-J002 toxic combination', () => {
  it.each([
    ['typescript', 'mail-vuln.ts', 'read_ssh_config', 'send_email'],
    ['javascript', 'webhook-vuln.mjs', 'read_env_file', 'notify'],
    ['python', 'assistant_vuln.py', 'read_journal', 'post_webhook'],
    ['go', 'files_vuln.go', 'read_kubeconfig', 'upload_paste'],
  ])('%s: one finding names the reader and the sender', async (lang, file, reader, sender) => {
    const report = await scanDirectory(`${fixtures}${lang}`, { only: [file] });
    const flows = report.findings.filter((f) => f.ruleId === 'MCP-J002');
    expect(flows).toHaveLength(1);
    expect(flows[0]?.tool).toBe(sender);
    expect(flows[0]?.message).toContain(`"${reader}"`);
    expect(flows[0]?.message).toContain(`"${sender}"`);
  });

  it('does not carry tools over from one scan to the next', async () => {
    await scanDirectory(`${fixtures}python`, { only: ['assistant_vuln.py'] });
    const safe = await scanDirectory(`${fixtures}python`, { only: ['assistant_safe.py'] });
    expect(safe.findings.filter((f) => f.ruleId === 'MCP-J002')).toEqual([]);
  });
});
