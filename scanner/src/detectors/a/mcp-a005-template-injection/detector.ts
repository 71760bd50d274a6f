import { defineDetector } from '../../api.js';

export default defineDetector({
  id: 'MCP-A005',
  class: 'A',
  languages: ['python', 'javascript', 'typescript', 'go'],
  severity: 'high',
  confidence: 'high',
  cwe: ['CWE-1336', 'CWE-94'],
  title: 'Server-side template injection',
  remediation:
    'Never compile a template from a tool argument. Keep templates constant and pass user data as ' +
    'context variables (render(template, {value})); if users must supply templates, use a sandboxed ' +
    'engine (jinja2.sandbox.SandboxedEnvironment) or a logic-less one (mustache).',
  taint: {
    sinkKind: 'template',
    sinks: [
      {
        languages: ['python'],
        callee: [
          'jinja2.Template',
          'jinja2.Environment().from_string',
          'jinja2.Environment.from_string',
          'flask.render_template_string',
          'mako.template.Template',
          'django.template.Template',
          'tornado.template.Template',
        ],
        args: [0],
        message: 'Attacker-controlled data is compiled as a template',
      },
      {
        languages: ['javascript', 'typescript'],
        callee: [
          'ejs.render',
          'ejs.compile',
          'handlebars.compile',
          'handlebars.precompile',
          'pug.render',
          'pug.compile',
          'lodash.template',
          'lodash/template',
          'underscore.template',
          'nunjucks.renderString',
          'nunjucks.compile',
          'dot.template',
          'eta.renderString',
          'squirrelly.render',
        ],
        args: [0],
        message: 'Attacker-controlled data is compiled as a template',
      },
      {
        languages: ['go'],
        callee: [
          'text/template.New().Parse',
          'html/template.New().Parse',
          'text/template.New().Funcs().Parse',
          'html/template.New().Funcs().Parse',
          'text/template.Must().Parse',
        ],
        args: [0],
        message: 'Attacker-controlled data is parsed as a Go template',
      },
    ],
  },
});
