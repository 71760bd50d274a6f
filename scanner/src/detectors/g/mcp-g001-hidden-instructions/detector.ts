import { classifyDescription, stripHidden } from '../../../classifier/index.js';
import { defineDetector } from '../../api.js';
import { describedTexts } from '../descriptions.js';

export default defineDetector({
  id: 'MCP-G001',
  class: 'G',
  languages: ['python', 'javascript', 'typescript', 'go'],
  severity: 'high',
  confidence: 'medium',
  cwe: ['CWE-1427'],
  title: 'Hidden instructions in a tool or parameter description',
  remediation:
    'A description tells the user and the model what the tool does, nothing else. Remove text addressed to the ' +
    'model (<IMPORTANT> blocks, "before using this tool…", "do not tell the user", references to files or ' +
    'credentials the tool does not need).',
  visitors: {
    onSurface: (ctx) => {
      for (const tool of ctx.surface.tools) {
        for (const d of describedTexts(tool)) {
          // Invisible characters alone are MCP-G002's finding: here the visible text must be poisoned.
          const c = classifyDescription(stripHidden(d.text));
          if (c.label !== 'poisoned') continue;
          const why = c.features.map((f) => `${f.id} ("${f.evidence}")`).join(', ');
          ctx.report(tool, {
            message: `The ${d.where} of tool "${tool.name}" reads as instructions to the model (score ${c.score}): ${why}`,
            confidence: c.confidence,
          });
        }
      }
    },
  },
});
