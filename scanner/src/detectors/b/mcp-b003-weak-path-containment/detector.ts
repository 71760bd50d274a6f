import { defineDetector } from '../../api.js';
import { traversalRule } from '../traversal-rule.js';

export default defineDetector({
  id: 'MCP-B003',
  class: 'B',
  languages: ['python', 'javascript', 'typescript', 'go'],
  severity: 'high',
  confidence: 'medium',
  cwe: ['CWE-22', 'CWE-59'],
  title:
    'Path containment check that can be bypassed (prefix without separator, check before normalising, symlinks)',
  remediation:
    'Canonicalise first, then compare with a separator: realpath the joined path (this also resolves symlinks) and ' +
    'require p === root || p.startsWith(root + path.sep); in Python os.path.commonpath([root, real]) == root or ' +
    'Path(...).resolve().is_relative_to(root); in Go use filepath.Rel and reject "..", or os.Root / securejoin.',
  taint: traversalRule(
    true,
    (op) => `Attacker-controlled path ${op} after a containment check that does not hold`,
  ),
});
