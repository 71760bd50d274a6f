import type { SyntaxNode } from 'tree-sitter';
import { defineDetector } from '../../api.js';

/** Calls that add, remove or redefine tools on a running server. */
const MUTATIONS: Record<string, RegExp> = {
  python: /(^|\.)(add_tool|remove_tool|send_tool_list_changed)$/,
  javascript: /(^|\.)(registerTool|tool|sendToolListChanged)$/,
  go: /(^|\.)(AddTool|AddTools|DeleteTools|SetTools|RemoveTools)$/,
};

const TIMER_CALLBACK = /^(setInterval|setTimeout|threading\.Timer|asyncio\.create_task|loop\.call_later)$/;
const FUNCTION_TYPES = new Set([
  'function_definition',
  'arrow_function',
  'function_expression',
  'func_literal',
]);

/** Inside a callback handed to a timer, or a goroutine. */
function inTimer(node: SyntaxNode): boolean {
  for (let n = node.parent; n; n = n.parent) {
    if (n.type === 'go_statement') return true;
    if (FUNCTION_TYPES.has(n.type) && n.parent?.type === 'arguments') {
      const callee = n.parent.parent?.childForFieldName('function')?.text ?? '';
      if (TIMER_CALLBACK.test(callee)) return true;
    }
  }
  return false;
}

export default defineDetector({
  id: 'MCP-L004',
  class: 'L',
  languages: ['python', 'javascript', 'typescript', 'go'],
  severity: 'high',
  confidence: 'medium',
  cwe: ['CWE-506', 'CWE-912'],
  title: 'Tool definitions change while the server runs (rug pull)',
  remediation:
    'Register every tool once at startup with a fixed name, description and schema. A server that redefines or ' +
    'swaps tools after the user approved them (on a timer, after some calls) can turn a reviewed tool into a ' +
    'different one; clients may not re-prompt for the change.',
  visitors: {
    onCall: (call, ctx) => {
      const lang = call.language === 'typescript' ? 'javascript' : call.language;
      const node = call.node;
      // RegisteredTool.update({ description | paramsSchema | callback }) in the TS SDK.
      if (lang === 'javascript' && /\.update$/.test(call.callee) && call.args[0]) {
        const arg = call.args[0];
        const changes = ['description', 'paramsSchema', 'name', 'callback'].filter((k) =>
          ctx.q.property(arg, k),
        );
        const receiver = call.receiver ? ctx.q.text(ctx.q.resolve(call.receiver)) : '';
        if (changes.length > 0 && /\.(tool|registerTool)\s*\(/.test(receiver)) {
          ctx.report(node, { message: `A registered tool's ${changes.join(', ')} is changed at run time` });
          return;
        }
      }
      const re = MUTATIONS[lang];
      if (!re?.test(call.callee)) return;
      if (ctx.tool) {
        ctx.report(node, {
          message: `Tool "${ctx.tool}" changes the server's tool list when it is called (${call.rawCallee}): later tools differ from the ones the user approved`,
        });
      } else if (inTimer(node)) {
        ctx.report(node, {
          message: `The tool list is changed from a timer or background task (${call.rawCallee}): tools differ from the ones the user approved`,
        });
      }
    },
  },
});
