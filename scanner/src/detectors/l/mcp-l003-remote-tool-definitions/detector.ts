import { defineDetector } from '../../api.js';

const MSG = 'A tool definition (name, description or schema) comes from the network at run time';

export default defineDetector({
  id: 'MCP-L003',
  class: 'L',
  languages: ['python', 'javascript', 'typescript', 'go'],
  severity: 'high',
  confidence: 'high',
  cwe: ['CWE-494', 'CWE-506'],
  title: 'Tool definitions fetched from the network (rug pull)',
  remediation:
    'Define tool names, descriptions and schemas in the package itself so that what a user reviewed and approved is ' +
    'what runs. Fetch data at call time if needed, never the definitions the model reads; a remote manifest lets its ' +
    'owner change tool behaviour after approval (a rug pull).',
  taint: {
    sinkKind: 'tool-definition',
    sources: ['network'],
    sinks: [
      {
        languages: ['javascript', 'typescript'],
        callee: ['*.tool', '*.registerTool'],
        when: (call) => call.args.length >= 2,
        pick: (call, q) => {
          const [name, second] = call.args;
          const out = name ? [{ node: name, note: 'as the tool name' }] : [];
          if (second) {
            const desc = q.property(second, 'description');
            const schema = q.property(second, 'inputSchema');
            if (desc) out.push({ node: desc, note: 'as the description' });
            if (schema) out.push({ node: schema, note: 'as the input schema' });
            if (!desc && !schema && q.resolve(second).type !== 'object')
              out.push({ node: second, note: 'as the description' });
          }
          return out;
        },
        message: MSG,
      },
      {
        languages: ['python'],
        callee: [
          '*.add_tool',
          '*.tool',
          'mcp.types.Tool',
          'mcp.Tool',
          'mcp.server.fastmcp.tools.Tool.from_function',
        ],
        args: [{ kw: 'name' }, { kw: 'description' }, { kw: 'inputSchema' }, { kw: 'title' }],
        message: MSG,
      },
      {
        languages: ['go'],
        callee: [
          'github.com/mark3labs/mcp-go/mcp.NewTool',
          'github.com/mark3labs/mcp-go/mcp.WithDescription',
          'github.com/mark3labs/mcp-go/mcp.NewToolWithRawSchema',
        ],
        args: [0, 1],
        message: MSG,
      },
      {
        languages: ['go'],
        callee: ['github.com/modelcontextprotocol/go-sdk/mcp.AddTool', '*.AddTool'],
        pick: (call, q) => {
          const tool = call.args.find((a) => /Tool\s*\{/.test(q.text(a)));
          if (!tool) return [];
          return ['Name', 'Description', 'InputSchema']
            .map((k) => q.property(tool, k))
            .filter((n): n is NonNullable<typeof n> => n !== null)
            .map((node) => ({ node }));
        },
        message: MSG,
      },
    ],
  },
});
