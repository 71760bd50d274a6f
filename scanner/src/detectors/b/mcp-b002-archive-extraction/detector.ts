import type { CallView, NodeQuery, SinkSpec } from '../../api.js';
import { defineDetector } from '../../api.js';
import {
  enclosingFunctionText,
  FS_SINKS,
  inArchiveWalk,
  PATH_GUARDS,
  PATH_SANITIZERS,
} from '../path-shapes.js';

/** A per-entry containment check somewhere in the extracting function. */
const ENTRY_CHECK =
  /commonpath|is_relative_to|\.parents\b|startswith\([^)]*(?:sep|['"]\/['"])|startsWith\([^)]*(?:sep|['"`]\/['"`])|path\.relative\(|filepath\.Rel\(|filepath\.IsLocal\(|strings\.HasPrefix\([^)]*Separator/;

const SAFE_TAR_FILTER = /^(?:['"](?:data|tar)['"]|tarfile\.(?:data_filter|tar_filter))$/;

function pythonExtractAll(call: CallView, q: NodeQuery): boolean {
  const filter = call.kwargs.get('filter');
  if (filter && SAFE_TAR_FILTER.test(q.text(q.resolve(filter)))) return false;
  return !ENTRY_CHECK.test(enclosingFunctionText(call.node));
}

/** `open(target, "wb")`: only writing opens create the entry. */
function writeMode(call: CallView, q: NodeQuery): boolean {
  const mode = call.args[1] ?? call.kwargs.get('mode');
  const m = mode ? q.stringValue(mode) : null;
  return m !== null && /[wax+]/.test(m);
}

const writeSinks: SinkSpec[] = FS_SINKS.filter((s) => s.op === 'write' || s.callee.includes('open')).map(
  (s) => ({
    languages: s.languages,
    callee: s.callee.filter((c) => !c.startsWith('*.') || /write|mkdir|touch/.test(c)),
    args: s.args.filter((a) => a !== 'receiver' || s.op === 'write'),
    message: 'A file is written at a path built from an archive entry name (zip-slip)',
    when: (call, q) => inArchiveWalk(call.node) && (s.op === 'write' || writeMode(call, q)),
  }),
);

export default defineDetector({
  id: 'MCP-B002',
  class: 'B',
  languages: ['python', 'javascript', 'typescript', 'go'],
  severity: 'high',
  confidence: 'high',
  cwe: ['CWE-22'],
  title: 'Archive extraction without entry path checks (zip-slip)',
  remediation:
    'Extract with a safe filter (tarfile extractall(filter="data")) or check every entry: join it to the ' +
    'destination, canonicalise, and refuse names that are absolute or leave the destination ' +
    '(commonpath / startsWith(dest + sep) / filepath.Rel without ".."); skip symlink and hard-link entries.',
  taint: {
    sinkKind: 'archive',
    sources: ['tool-param', 'http-request', 'network'],
    sinks: [
      {
        languages: ['python'],
        callee: ['*.extractall'],
        args: ['receiver'],
        when: pythonExtractAll,
        message: 'An attacker-supplied archive is extracted without checking entry paths (zip-slip)',
      },
      {
        languages: ['python'],
        callee: ['*.extract'],
        args: ['receiver'],
        when: (call, q) => inArchiveWalk(call.node) && pythonExtractAll(call, q),
        message: 'Archive members are extracted one by one without checking their paths (zip-slip)',
      },
      {
        languages: ['python'],
        callee: ['shutil.unpack_archive'],
        args: [0],
        when: (call, q) => pythonExtractAll(call, q),
        message: 'An attacker-supplied archive is unpacked without checking entry paths (zip-slip)',
      },
      {
        languages: ['javascript', 'typescript'],
        callee: ['*.extractAllTo', '*.extractAllToAsync'],
        args: ['receiver'],
        when: (call) => !ENTRY_CHECK.test(enclosingFunctionText(call.node)),
        message:
          'An attacker-supplied zip is extracted with extractAllTo without checking entry paths (zip-slip)',
      },
      {
        languages: ['javascript', 'typescript'],
        callee: ['tar.x', 'tar.extract', 'tar.default.x'],
        args: [0],
        when: (call, q) => {
          const opts = call.args[0];
          if (
            !opts ||
            q.property(opts, 'filter') !== null ||
            ENTRY_CHECK.test(enclosingFunctionText(call.node))
          ) {
            return false;
          }
          // node-tar strips ".." and "/" unless preservePaths is on; an explicit false is a deliberate choice.
          const preserve = q.property(opts, 'preservePaths');
          return !preserve || q.booleanValue(preserve) !== false;
        },
        message: 'An attacker-supplied tarball is extracted without an entry filter (zip-slip)',
      },
      ...writeSinks,
    ],
    sanitizers: PATH_SANITIZERS,
    guards: PATH_GUARDS,
  },
});
