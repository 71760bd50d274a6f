/**
 * Shared taint knowledge as data: sources that are not handler parameters, conversions that
 * clean a value for every sink, generic validation guards, and methods that write their
 * argument into their receiver. Detectors add rule-specific entries in their own rule.
 */
import type { GuardSpec, SanitizerSpec, SourceKind } from '../detectors/api.js';
import type { Language } from '../types.js';

export interface SourceSpec {
  languages: readonly Language[];
  kind: SourceKind;
  /** A call whose result is tainted (canonical callee globs). */
  callee?: readonly string[];
  /** A member path whose value is tainted (canonical prefix, e.g. `process.env`). */
  member?: readonly string[];
  note: string;
}

const PY: Language[] = ['python'];
const JS: Language[] = ['javascript', 'typescript'];
const GO: Language[] = ['go'];

export const SOURCES: readonly SourceSpec[] = [
  { languages: JS, kind: 'env', member: ['process.env'], note: 'environment variable' },
  { languages: JS, kind: 'cli', member: ['process.argv'], note: 'command-line argument' },
  {
    languages: JS,
    kind: 'file',
    callee: ['fs.readFileSync', 'fs.readFile', 'fs/promises.readFile', 'fs.promises.readFile'],
    note: 'file contents',
  },
  {
    languages: JS,
    kind: 'network',
    callee: ['fetch', 'axios.get', 'axios.post', 'axios'],
    note: 'network response',
  },
  {
    languages: PY,
    kind: 'env',
    member: ['os.environ'],
    callee: ['os.getenv', 'os.environ.get'],
    note: 'environment variable',
  },
  { languages: PY, kind: 'cli', member: ['sys.argv'], callee: ['input'], note: 'command-line input' },
  { languages: PY, kind: 'http-request', member: ['flask.request'], note: 'HTTP request data' },
  {
    languages: PY,
    kind: 'file',
    callee: ['open', 'io.open', 'codecs.open', 'aiofiles.open', '*.read_text', '*.read_bytes'],
    note: 'file contents',
  },
  {
    languages: PY,
    kind: 'network',
    callee: ['requests.get', 'requests.post', 'httpx.get', 'httpx.post', 'urllib.request.urlopen'],
    note: 'network response',
  },
  {
    languages: GO,
    kind: 'env',
    callee: ['os.Getenv', 'os.LookupEnv', 'os.Environ'],
    note: 'environment variable',
  },
  { languages: GO, kind: 'cli', member: ['os.Args'], note: 'command-line argument' },
  {
    languages: GO,
    kind: 'file',
    callee: ['os.ReadFile', 'io/ioutil.ReadFile', 'os.Open'],
    note: 'file contents',
  },
  { languages: GO, kind: 'network', callee: ['net/http.Get', 'net/http.Post'], note: 'network response' },
];

/** Conversions and typed getters: their result cannot carry an injection payload. */
export const SANITIZERS: readonly SanitizerSpec[] = [
  {
    languages: PY,
    callee: [
      'int',
      'float',
      'bool',
      'len',
      'abs',
      'round',
      'hash',
      'id',
      'isinstance',
      'uuid.UUID',
      '*.isdigit',
      '*.isalnum',
    ],
    clears: 'all',
  },
  {
    languages: JS,
    callee: [
      'Number',
      'parseInt',
      'parseFloat',
      'Boolean',
      'Math.*',
      'Number.*',
      'isNaN',
      '*.length',
      '*.includes',
      '*.startsWith',
      '*.endsWith',
      '*.test',
      '*.has',
      '*.indexOf',
      'Array.isArray',
      'crypto.createHash',
      'crypto.randomUUID',
      'crypto.randomBytes',
      '*.digest',
      'Date.now',
      'uuid.*',
    ],
    clears: 'all',
  },
  {
    languages: GO,
    callee: [
      'strconv.Atoi',
      'strconv.ParseInt',
      'strconv.ParseFloat',
      'strconv.ParseBool',
      'strconv.ParseUint',
      'len',
      '*.RequireInt',
      '*.RequireFloat',
      '*.RequireBool',
      '*.GetInt',
      '*.GetFloat',
      '*.GetBool',
      '*.RequireIntSlice',
      'strings.HasPrefix',
      'strings.Contains',
      '*.MatchString',
      'crypto/sha256.*',
      'crypto/sha1.*',
      'crypto/md5.*',
      'encoding/hex.EncodeToString',
      'github.com/google/uuid.*',
      'time.*',
    ],
    clears: 'all',
  },
];

/** Allowlist membership and full-match validation, the same for every sink kind. */
export const GUARDS: readonly GuardSpec[] = [
  // `x in ALLOWED`; a string literal on the left (`"example.com" in url`) is a substring test, not an allowlist.
  // `x in ALLOWED`, `x in ("a", "b")`, `x in {"a", "b"}`: membership in a named or literal collection.
  {
    languages: PY,
    pattern: /^\s*(?!['"])[\w.[\]'"]+\s+in\s+([\w.]+|\([^()]*\)|\[[^[\]]*\]|\{[^{}]*\})\s*$/,
    meaning: 'valid',
    clears: 'all',
  },
  {
    languages: PY,
    // re.match only anchors the start: it validates when the literal pattern ends with $ or \Z.
    pattern: /^\s*re\.fullmatch\(|^\s*re\.match\(.*(?:\$['"]|\\Z)|^\s*(?!re\.)[\w.]+\.(fullmatch|match)\(/,
    meaning: 'valid',
    clears: 'all',
  },
  {
    languages: PY,
    pattern: /^\s*[\w.[\]'"]+\.(isalnum|isdigit|isidentifier|isdecimal)\(\)\s*$/,
    meaning: 'valid',
    clears: 'all',
  },
  {
    languages: JS,
    // `ALLOWED.includes(x)`; `url.includes('example.com')` (a literal argument) is a substring test.
    pattern: /^\s*[\w.]+\.(includes|has)\(\s*(?!['"`])[\w.[\]'"]+\s*\)\s*$/,
    meaning: 'valid',
    clears: 'all',
  },
  // A regex literal validates only when anchored at both ends (/^[\w-]+$/); /example\.com/ matches anywhere.
  {
    languages: JS,
    pattern: /^\s*\/\^.*\$\/[a-z]*\.test\(|^\s*[\w.]+\.test\(/,
    meaning: 'valid',
    clears: 'all',
  },
  {
    languages: GO,
    pattern: /^\s*[\w.]+\.MatchString\(|^\s*slices\.Contains\(|^\s*\w+\[[\w.]+\]\s*$/,
    meaning: 'valid',
    clears: 'all',
  },
];

/** Methods that store their argument in the receiver (`args.push(x)` taints `args`). */
export const MUTATORS: Readonly<Record<Language, readonly string[]>> = {
  // Not `write`: a file written from tool input does not make its name attacker-controlled.
  python: ['append', 'extend', 'insert', 'add', 'update', 'appendleft'],
  javascript: ['push', 'unshift', 'splice', 'set', 'add', 'append', 'assign'],
  typescript: ['push', 'unshift', 'splice', 'set', 'add', 'append', 'assign'],
  go: ['WriteString', 'Write', 'WriteByte', 'Set', 'Add'],
};
