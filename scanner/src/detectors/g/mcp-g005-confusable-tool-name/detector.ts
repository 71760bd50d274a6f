import { defineDetector } from '../../api.js';

/** Letters that render like ASCII ones (Cyrillic, Greek, fullwidth, dotless i…) → what a reader sees. */
const LOOKALIKES: Record<string, string> = {
  а: 'a',
  в: 'b',
  с: 'c',
  е: 'e',
  ё: 'e',
  һ: 'h',
  і: 'i',
  ј: 'j',
  к: 'k',
  м: 'm',
  н: 'h',
  о: 'o',
  р: 'p',
  ԛ: 'q',
  ѕ: 's',
  т: 't',
  у: 'y',
  х: 'x',
  ԁ: 'd',
  ԝ: 'w',
  ɡ: 'g',
  ı: 'i',
  ℓ: 'l',
  А: 'A',
  В: 'B',
  С: 'C',
  Е: 'E',
  Н: 'H',
  І: 'I',
  Ј: 'J',
  К: 'K',
  М: 'M',
  О: 'O',
  Р: 'P',
  Ѕ: 'S',
  Т: 'T',
  Х: 'X',
  α: 'a',
  ο: 'o',
  ρ: 'p',
  ν: 'v',
  τ: 't',
  ι: 'i',
  κ: 'k',
  χ: 'x',
  υ: 'u',
  Α: 'A',
  Β: 'B',
  Ε: 'E',
  Ζ: 'Z',
  Η: 'H',
  Ι: 'I',
  Κ: 'K',
  Μ: 'M',
  Ν: 'N',
  Ο: 'O',
  Ρ: 'P',
  Τ: 'T',
  Υ: 'Y',
  Χ: 'X',
};

/** What the name looks like to a person, or null when it is plain ASCII or not imitating anything. */
export function skeleton(name: string): string | null {
  if (/^[\x20-\x7e]*$/.test(name)) return null;
  const folded = [...name.normalize('NFKC')].map((ch) => LOOKALIKES[ch] ?? ch).join('');
  // Only names that become plain ASCII identifiers imitate one; a name in Greek or Japanese is just a name.
  return /^[\w.-]+$/.test(folded) && folded !== name ? folded : null;
}

export default defineDetector({
  id: 'MCP-G005',
  class: 'G',
  languages: ['python', 'javascript', 'typescript', 'go'],
  severity: 'high',
  confidence: 'high',
  cwe: ['CWE-1007'],
  title: 'Tool name made of look-alike (homoglyph) characters',
  remediation:
    'Tool names are identifiers users approve by sight: use ASCII letters, digits, "_" and "-" only. A name that ' +
    'mixes Cyrillic or Greek look-alikes imitates another tool (read_file vs rеad_file) in approval prompts and logs.',
  visitors: {
    onSurface: (ctx) => {
      const own = new Set(ctx.surface.tools.map((t) => t.name));
      for (const tool of ctx.surface.tools) {
        const looks = skeleton(tool.name);
        if (looks === null) continue;
        const codes = [...tool.name]
          .filter((ch) => !/[\x20-\x7e]/.test(ch))
          .map((ch) => `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`);
        ctx.report(tool, {
          message:
            `Tool name "${tool.name}" reads as "${looks}" but contains look-alike characters (${[...new Set(codes)].join(', ')})` +
            (own.has(looks) ? `, next to a real "${looks}" tool of this server` : ''),
        });
      }
    },
  },
});
