import { defineDetector } from '../../api.js';
import { traversalRule } from '../traversal-rule.js';

export default defineDetector({
  id: 'MCP-B001',
  class: 'B',
  languages: ['python', 'javascript', 'typescript', 'go'],
  severity: 'high',
  confidence: 'high',
  cwe: ['CWE-22'],
  title: 'Path traversal: a tool argument chooses the file that is read, written, listed or deleted',
  remediation:
    'Resolve the path with realpath (fs.realpath, os.path.realpath, Path.resolve) and check it is inside the ' +
    'allowed root with a separator-aware test (startsWith(root + path.sep), os.path.commonpath([root, p]) == root, ' +
    'Path.is_relative_to(root), Go filepath.Rel without "..", os.Root or securejoin), or accept a bare file name ' +
    '(basename) from an allowlist.',
  taint: traversalRule(false, (op) => `Attacker-controlled path with no containment check ${op}`),
});
