import { hiddenCharacters, stripHidden } from '../../../classifier/index.js';
import { defineDetector } from '../../api.js';
import { describedTexts } from '../descriptions.js';

export default defineDetector({
  id: 'MCP-G002',
  class: 'G',
  languages: ['python', 'javascript', 'typescript', 'go'],
  severity: 'high',
  confidence: 'high',
  cwe: ['CWE-1427', 'CWE-451'],
  title: 'Invisible or bidirectional Unicode in a tool name or description',
  remediation:
    'Remove zero-width, bidirectional-control and Unicode tag characters from tool names and descriptions: ' +
    'the model reads them, a reviewer does not see them.',
  visitors: {
    onSurface: (ctx) => {
      for (const tool of ctx.surface.tools) {
        const texts = [{ where: 'name', text: tool.name }, ...describedTexts(tool)];
        for (const d of texts) {
          const hidden = hiddenCharacters(d.text);
          if (hidden.length === 0) continue;
          const codes = [...new Set(hidden.map((h) => h.codepoint))].slice(0, 4).join(', ');
          const visible = stripHidden(d.text);
          ctx.report(tool, {
            message: `The ${d.where} of tool "${visible}" hides ${hidden.length} invisible character(s) (${codes})`,
          });
        }
      }
    },
  },
});
