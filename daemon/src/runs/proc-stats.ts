import { readdirSync, readFileSync } from 'node:fs';

/** CPU time (ns) and resident memory (bytes) of a process tree, read from /proc (Linux). */
export interface TreeUsage {
  cpuNs: number;
  rssBytes: number;
  pids: number;
}

const TICK_NS = 1e9 / 100; // USER_HZ is 100 on every Linux ABI Node supports
const PAGE = 4096;

function statOf(pid: number): { ppid: number; cpuTicks: number; rssPages: number } | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: split after the last ')'.
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), cpuTicks: Number(f[11]) + Number(f[12]), rssPages: Number(f[21]) };
  } catch {
    return undefined;
  }
}

/** Sums `root` and all its descendants; undefined when /proc is absent or `root` is gone. */
export function treeUsage(root: number): TreeUsage | undefined {
  const rootStat = statOf(root);
  if (!rootStat) return undefined;
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  const stats = new Map<number, NonNullable<ReturnType<typeof statOf>>>();
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const pid = Number(e);
    const st = statOf(pid);
    if (!st) continue;
    stats.set(pid, st);
    const list = children.get(st.ppid) ?? [];
    list.push(pid);
    children.set(st.ppid, list);
  }
  stats.set(root, rootStat);
  let cpuTicks = 0;
  let rssPages = 0;
  let pids = 0;
  const queue = [root];
  const seen = new Set<number>();
  while (queue.length) {
    const pid = queue.pop()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    const st = stats.get(pid);
    if (!st) continue;
    cpuTicks += st.cpuTicks;
    rssPages += st.rssPages;
    pids++;
    queue.push(...(children.get(pid) ?? []));
  }
  return { cpuNs: cpuTicks * TICK_NS, rssBytes: rssPages * PAGE, pids };
}
