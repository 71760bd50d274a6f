/** Reads `expect:` / `ok:` / `todo-expect:` annotations from fixture comments. */
export interface Annotation {
  kind: 'expect' | 'ok' | 'todo-expect';
  ruleId: string;
  /** 1-based line the annotation applies to: the next line that is not itself an annotation. */
  line: number;
}

const ANNOTATION =
  /(?:#|\/\/|\/\*)\s*(todo-expect|expect|ok):\s*([A-Z]+-[A-Z]\d{3}(?:\s*,\s*[A-Z]+-[A-Z]\d{3})*)/;

export function parseAnnotations(text: string): Annotation[] {
  const lines = text.split('\n');
  const out: Annotation[] = [];
  let pending: { kind: Annotation['kind']; ruleId: string }[] = [];
  lines.forEach((line, i) => {
    const m = ANNOTATION.exec(line);
    if (m && /^\s*(#|\/\/|\/\*)/.test(line)) {
      for (const id of (m[2] as string).split(',')) {
        pending.push({ kind: m[1] as Annotation['kind'], ruleId: id.trim() });
      }
      return;
    }
    if (pending.length > 0 && line.trim() !== '') {
      for (const p of pending) out.push({ ...p, line: i + 1 });
      pending = [];
    }
  });
  return out;
}

/**
 * Sidecar annotations for files that cannot hold comments (package.json, package-lock.json): an
 * `expected.json` in a fixture folder lists `{ file, kind, ruleId, match }` entries, where `match` is
 * a substring of the annotated line (the first line containing it) — or `line`, a 1-based number.
 * `advisories` names a folder of OSV records (relative to the fixture folder) that the harness
 * imports into a temporary advisory database for that scan.
 */
export interface Sidecar {
  advisories?: string;
  annotations: (Annotation & { file: string })[];
}

export function parseSidecar(json: string, readFile: (rel: string) => string): Sidecar {
  const raw = JSON.parse(json) as {
    advisories?: string;
    annotations?: { file: string; kind: Annotation['kind']; ruleId: string; match?: string; line?: number }[];
  };
  const annotations = (raw.annotations ?? []).map((a) => {
    let line = a.line ?? 0;
    if (a.match !== undefined) {
      const idx = readFile(a.file)
        .split('\n')
        .findIndex((l) => l.includes(a.match as string));
      if (idx < 0) throw new Error(`expected.json: "${a.match}" not found in ${a.file}`);
      line = idx + 1;
    }
    if (
      !['expect', 'ok', 'todo-expect'].includes(a.kind) ||
      !/^[A-Z]+-[A-Z]\d{3}$/.test(a.ruleId) ||
      line < 1
    )
      throw new Error(`expected.json: bad annotation ${JSON.stringify(a)}`);
    return { file: a.file, kind: a.kind, ruleId: a.ruleId, line };
  });
  return { ...(raw.advisories ? { advisories: raw.advisories } : {}), annotations };
}
