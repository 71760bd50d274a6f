/**
 * A minimal TOML reader for pyproject.toml, poetry.lock and uv.lock: tables, arrays of tables,
 * dotted and quoted keys, basic/literal/multi-line strings, numbers, booleans, dates (kept as
 * strings), arrays and inline tables. Not a validator: malformed input throws.
 */
export type TomlValue = string | number | boolean | TomlValue[] | TomlTable;
export interface TomlTable {
  [key: string]: TomlValue;
}

export function parseToml(text: string): TomlTable {
  const root: TomlTable = {};
  let current: TomlTable = root;
  let i = 0;
  const n = text.length;

  const fail = (msg: string): never => {
    throw new Error(`TOML: ${msg} at offset ${i}`);
  };
  const skipWs = () => {
    while (i < n && (text[i] === ' ' || text[i] === '\t')) i++;
  };
  const skipWsNl = () => {
    for (;;) {
      while (i < n && /[ \t\r\n]/.test(text[i] as string)) i++;
      if (text[i] === '#') {
        while (i < n && text[i] !== '\n') i++;
      } else return;
    }
  };
  const parseString = (): string => {
    const q = text[i] as string;
    const multi = text.startsWith(q.repeat(3), i);
    if (multi) {
      i += 3;
      if (text[i] === '\r') i++;
      if (text[i] === '\n') i++;
      const end = text.indexOf(q.repeat(3), i);
      if (end < 0) fail('unterminated string');
      let raw = text.slice(i, end);
      i = end + 3;
      while (text[i] === q) {
        raw += q;
        i++;
      }
      return q === '"' ? unescapeBasic(raw.replace(/\\\r?\n\s*/g, '')) : raw;
    }
    i++;
    let out = '';
    while (i < n && text[i] !== q) {
      if (text[i] === '\n') fail('newline in string');
      if (q === '"' && text[i] === '\\') {
        out += text.slice(i, i + 2);
        if (text[i + 1] === 'u') out += text.slice(i + 2, i + 6);
        if (text[i + 1] === 'U') out += text.slice(i + 2, i + 10);
        i += text[i + 1] === 'u' ? 6 : text[i + 1] === 'U' ? 10 : 2;
        continue;
      }
      out += text[i];
      i++;
    }
    i++;
    return q === '"' ? unescapeBasic(out) : out;
  };
  const parseKey = (): string[] => {
    const parts: string[] = [];
    for (;;) {
      skipWs();
      if (text[i] === '"' || text[i] === "'") parts.push(parseString());
      else {
        const m = /^[A-Za-z0-9_-]+/.exec(text.slice(i, i + 256));
        if (!m) fail('bad key');
        parts.push((m as RegExpExecArray)[0]);
        i += (m as RegExpExecArray)[0].length;
      }
      skipWs();
      if (text[i] === '.') {
        i++;
        continue;
      }
      return parts;
    }
  };
  const parseValue = (): TomlValue => {
    const c = text[i];
    if (c === '"' || c === "'") return parseString();
    if (c === '[') {
      i++;
      const arr: TomlValue[] = [];
      for (;;) {
        skipWsNl();
        if (text[i] === ']') {
          i++;
          return arr;
        }
        arr.push(parseValue());
        skipWsNl();
        if (text[i] === ',') i++;
        else if (text[i] !== ']') fail('expected , or ]');
      }
    }
    if (c === '{') {
      i++;
      const tbl: TomlTable = {};
      for (;;) {
        skipWsNl();
        if (text[i] === '}') {
          i++;
          return tbl;
        }
        const key = parseKey();
        if (text[i] !== '=') fail('expected =');
        i++;
        skipWs();
        setPath(tbl, key, parseValue());
        skipWsNl();
        if (text[i] === ',') i++;
        else if (text[i] !== '}') fail('expected , or }');
      }
    }
    const m = /^[^,\]}\s#][^,\]}\n#]*/.exec(text.slice(i, i + 256));
    if (!m) return fail('bad value');
    const raw = (m as RegExpExecArray)[0].trim();
    i += (m as RegExpExecArray)[0].length;
    if (raw === 'true') return true;
    if (raw === 'false') return false;
    const num = raw.replace(/_/g, '');
    if (/^[+-]?(\d+(\.\d+)?([eE][+-]?\d+)?|0x[0-9a-fA-F]+|0o[0-7]+|0b[01]+)$/.test(num)) return Number(num);
    return raw;
  };

  while (i < n) {
    skipWsNl();
    if (i >= n) break;
    if (text[i] === '[') {
      const isArray = text[i + 1] === '[';
      i += isArray ? 2 : 1;
      const key = parseKey();
      if (text[i] !== ']') fail('expected ]');
      i += isArray ? 2 : 1;
      let tbl: TomlTable = root;
      for (const [k, part] of key.entries()) {
        const last = k === key.length - 1;
        const existing = tbl[part];
        if (last && isArray) {
          const arr = Array.isArray(existing) ? existing : [];
          tbl[part] = arr;
          const fresh: TomlTable = {};
          arr.push(fresh);
          tbl = fresh;
        } else if (Array.isArray(existing)) {
          tbl = existing[existing.length - 1] as TomlTable;
        } else if (existing && typeof existing === 'object') {
          tbl = existing;
        } else {
          const fresh: TomlTable = {};
          tbl[part] = fresh;
          tbl = fresh;
        }
      }
      current = tbl;
      continue;
    }
    const key = parseKey();
    if (text[i] !== '=') fail('expected =');
    i++;
    skipWs();
    setPath(current, key, parseValue());
    skipWs();
    if (text[i] === '#') while (i < n && text[i] !== '\n') i++;
  }
  return root;
}

function setPath(tbl: TomlTable, key: string[], value: TomlValue): void {
  let t = tbl;
  for (const part of key.slice(0, -1)) {
    const next = t[part];
    if (next && typeof next === 'object' && !Array.isArray(next)) t = next;
    else {
      const fresh: TomlTable = {};
      t[part] = fresh;
      t = fresh;
    }
  }
  t[key[key.length - 1] as string] = value;
}

function unescapeBasic(s: string): string {
  return s.replace(/\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)/g, (_, e: string) => {
    if (e[0] === 'u' || e[0] === 'U') return String.fromCodePoint(Number.parseInt(e.slice(1), 16));
    return (
      ({ n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '"': '"', '\\': '\\' } as Record<string, string>)[e] ??
      e
    );
  });
}

export function tomlString(v: TomlValue | undefined): string | null {
  return typeof v === 'string' ? v : null;
}
export function tomlTable(v: TomlValue | undefined): TomlTable | null {
  return v && typeof v === 'object' && !Array.isArray(v) ? v : null;
}
export function tomlArray(v: TomlValue | undefined): TomlValue[] {
  return Array.isArray(v) ? v : [];
}
