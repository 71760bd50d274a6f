import { extractFeatures, stripHidden } from '../../../classifier/index.js';
import { defineDetector } from '../../api.js';
import { describedTexts } from '../descriptions.js';

/** Features that make a mention of another tool an attempt to change how the model uses it. */
const STEERING = new Set(['override', 'secrecy', 'model-imperative', 'exfiltration', 'hidden-block']);
/** Words that try to change behaviour rather than describe it. */
const STEER = /\b(always|never|instead|rather than|change|replace|redirect|whenever|must|should)\b/i;
const OTHER_TOOLS = /\b(other|another|all|any|every) (tools?|servers?|mcp servers?)\b/i;
/**
 * A tool named the way tools are (snake_case) and used as one: "call send_email", "the git_push tool".
 * File names such as id_rsa are not tool references.
 */
const TOOL_REF =
  /\b(?:call|calls|called|calling|use|uses|using|invoke|invokes|run|runs|prefer|instead of)\s+(?:the\s+)?`?([a-z][a-z0-9]*(?:_[a-z0-9]+)+)\b|\b([a-z][a-z0-9]*(?:_[a-z0-9]+)+)`?\s+tool\b/gi;

export default defineDetector({
  id: 'MCP-G003',
  class: 'G',
  languages: ['python', 'javascript', 'typescript', 'go'],
  severity: 'high',
  confidence: 'medium',
  cwe: ['CWE-1427'],
  title: 'Tool shadowing: a description steers how other tools or servers are used',
  remediation:
    'A tool describes itself only. Remove text that tells the model how to call tools of other servers ' +
    '(or tools this server does not have), to prefer this tool over them, or to change their arguments.',
  visitors: {
    onSurface: (ctx) => {
      const own = new Set(ctx.surface.tools.map((t) => t.name));
      const ownParams = new Set(ctx.surface.tools.flatMap((t) => t.parameters.map((p) => p.name)));
      for (const tool of ctx.surface.tools) {
        for (const d of describedTexts(tool)) {
          const text = stripHidden(d.text);
          const features = extractFeatures(text);
          if (!features.some((f) => STEERING.has(f.id)) && !STEER.test(text)) continue;
          const foreign = [...text.matchAll(TOOL_REF)]
            .map((m) => (m[1] ?? m[2]) as string)
            .filter((n) => !own.has(n) && !ownParams.has(n));
          const generic = OTHER_TOOLS.exec(text)?.[0];
          if (foreign.length === 0 && !generic) continue;
          const what =
            foreign.length > 0
              ? `tool(s) this server does not define: ${[...new Set(foreign)].join(', ')}`
              : `"${generic}"`;
          ctx.report(tool, {
            message: `The ${d.where} of tool "${tool.name}" gives the model instructions about ${what}`,
          });
        }
      }
    },
  },
});
