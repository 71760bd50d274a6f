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
