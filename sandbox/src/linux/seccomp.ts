import { SandboxError } from '../errors.js';

/**
 * A classic-BPF seccomp program, generated here (no libseccomp), in the raw `struct sock_filter[]`
 * layout bwrap's `--seccomp FD` reads: 8 bytes per instruction, host byte order.
 *
 * Policy: allow by default; EPERM for syscalls that administer the kernel, escape namespaces or
 * widen the attack surface (listed below); ENOSYS for clone3, whose flags live in a user-memory
 * struct that seccomp cannot inspect — libc then falls back to clone(2), whose flags we *can* check
 * (the same choice Docker and Chromium make), and for io_uring (below); kill the process on a foreign architecture
 * (x32 or 32-bit entry points would bypass the syscall-number checks).
 */

export type SeccompArch = 'x64' | 'arm64';

const AUDIT_ARCH = { x64: 0xc000003e, arm64: 0xc00000b7 } as const;
/** x86-64's x32 ABI sets this bit in the syscall number; it must not slip past the number table. */
const X32_SYSCALL_BIT = 0x40000000;
const CLONE_NEWUSER = 0x10000000;

export const DENIED_SYSCALLS = [
  'ptrace',
  'mount',
  'umount2',
  'pivot_root',
  'kexec_load',
  'kexec_file_load',
  'bpf',
  'keyctl',
  'add_key',
  'request_key',
  'init_module',
  'finit_module',
  'delete_module',
  'unshare',
  'setns',
  'swapon',
  'swapoff',
  'reboot',
  'perf_event_open',
  'userfaultfd',
  'open_by_handle_at',
  'open_tree',
  'move_mount',
  'fsopen',
  'fsconfig',
  'fsmount',
  'fspick',
  'mount_setattr',
] as const;
export type DeniedSyscall = (typeof DENIED_SYSCALLS)[number];

/**
 * io_uring has been the richest source of kernel privilege escalations since 2021 (Google disabled
 * it fleet-wide; Docker's default profile blocks it). ENOSYS, not EPERM, so libuv and friends fall
 * back to their thread pool as they do on kernels without it.
 */
export const ENOSYS_SYSCALLS = ['clone3', 'io_uring_setup', 'io_uring_enter', 'io_uring_register'] as const;

type SyscallTable = Record<DeniedSyscall | 'clone' | (typeof ENOSYS_SYSCALLS)[number], number>;

const NR: Record<SeccompArch, SyscallTable> = {
  x64: {
    clone: 56,
    ptrace: 101,
    pivot_root: 155,
    mount: 165,
    umount2: 166,
    swapon: 167,
    swapoff: 168,
    reboot: 169,
    init_module: 175,
    delete_module: 176,
    kexec_load: 246,
    add_key: 248,
    request_key: 249,
    keyctl: 250,
    unshare: 272,
    perf_event_open: 298,
    open_by_handle_at: 304,
    setns: 308,
    finit_module: 313,
    kexec_file_load: 320,
    bpf: 321,
    userfaultfd: 323,
    open_tree: 428,
    move_mount: 429,
    fsopen: 430,
    fsconfig: 431,
    fsmount: 432,
    fspick: 433,
    clone3: 435,
    mount_setattr: 442,
    io_uring_setup: 425,
    io_uring_enter: 426,
    io_uring_register: 427,
  },
  arm64: {
    umount2: 39,
    mount: 40,
    pivot_root: 41,
    unshare: 97,
    kexec_load: 104,
    init_module: 105,
    delete_module: 106,
    ptrace: 117,
    reboot: 142,
    add_key: 217,
    request_key: 218,
    keyctl: 219,
    clone: 220,
    swapon: 224,
    swapoff: 225,
    perf_event_open: 241,
    open_by_handle_at: 265,
    setns: 268,
    finit_module: 273,
    bpf: 280,
    userfaultfd: 282,
    kexec_file_load: 294,
    open_tree: 428,
    move_mount: 429,
    fsopen: 430,
    fsconfig: 431,
    fsmount: 432,
    fspick: 433,
    clone3: 435,
    mount_setattr: 442,
    io_uring_setup: 425,
    io_uring_enter: 426,
    io_uring_register: 427,
  },
};

// BPF opcodes (linux/filter.h, linux/bpf_common.h)
const LD_W_ABS = 0x20;
const JEQ_K = 0x15;
const JGE_K = 0x35;
const JSET_K = 0x45;
const RET_K = 0x06;
// seccomp return values (linux/seccomp.h)
const RET_KILL_PROCESS = 0x80000000;
const RET_ERRNO = 0x00050000;
const RET_ALLOW = 0x7fff0000;
const EPERM = 1;
const ENOSYS = 38;
// struct seccomp_data offsets
const OFF_NR = 0;
const OFF_ARCH = 4;
const OFF_ARG0_LO = 16; // little-endian low word of args[0]; both supported arches are LE

type Label = 'allow' | 'eperm' | 'enosys' | 'kill';
interface Insn {
  code: number;
  k: number;
  jt?: Label | 0;
  jf?: Label | 0;
}

export function seccompArchFor(nodeArch: string): SeccompArch | undefined {
  return nodeArch === 'x64' || nodeArch === 'arm64' ? nodeArch : undefined;
}

/** Pure: the filter bytes for an architecture. */
export function buildSeccompFilter(arch: SeccompArch): Buffer {
  const table = NR[arch];
  if (!table) throw new SandboxError('SBX_ERR_SECCOMP_UNAVAILABLE', `no syscall table for ${arch}`);
  const body: Insn[] = [
    { code: LD_W_ABS, k: OFF_ARCH },
    { code: JEQ_K, k: AUDIT_ARCH[arch], jt: 0, jf: 'kill' },
    { code: LD_W_ABS, k: OFF_NR },
  ];
  if (arch === 'x64') body.push({ code: JGE_K, k: X32_SYSCALL_BIT, jt: 'kill', jf: 0 });
  for (const name of DENIED_SYSCALLS) body.push({ code: JEQ_K, k: table[name], jt: 'eperm', jf: 0 });
  for (const name of ENOSYS_SYSCALLS) body.push({ code: JEQ_K, k: table[name], jt: 'enosys', jf: 0 });
  body.push({ code: JEQ_K, k: table.clone, jt: 0, jf: 'allow' });
  body.push({ code: LD_W_ABS, k: OFF_ARG0_LO });
  body.push({ code: JSET_K, k: CLONE_NEWUSER, jt: 'eperm', jf: 'allow' });

  const tail: Record<Label, number> = {
    allow: RET_ALLOW,
    eperm: RET_ERRNO | EPERM,
    enosys: RET_ERRNO | ENOSYS,
    kill: RET_KILL_PROCESS,
  };
  const labels = Object.keys(tail) as Label[];
  const at = (l: Label) => body.length + labels.indexOf(l);
  const buf = Buffer.alloc((body.length + labels.length) * 8);
  const jump = (pc: number, to: Label | 0 | undefined): number => {
    if (!to) return 0;
    const off = at(to) - (pc + 1);
    if (off < 0 || off > 255) throw new Error(`seccomp jump out of range: ${off}`);
    return off;
  };
  body.forEach((ins, pc) => {
    buf.writeUInt16LE(ins.code, pc * 8);
    buf.writeUInt8(jump(pc, ins.jt), pc * 8 + 2);
    buf.writeUInt8(jump(pc, ins.jf), pc * 8 + 3);
    buf.writeUInt32LE(ins.k >>> 0, pc * 8 + 4);
  });
  labels.forEach((l, i) => {
    const pc = body.length + i;
    buf.writeUInt16LE(RET_K, pc * 8);
    buf.writeUInt32LE(tail[l] >>> 0, pc * 8 + 4);
  });
  return buf;
}

/** Human-readable listing (for the README and `doctor --verbose`), one instruction per line. */
export function disassembleSeccomp(buf: Buffer): string[] {
  const names: Record<number, string> = {
    [LD_W_ABS]: 'ld',
    [JEQ_K]: 'jeq',
    [JGE_K]: 'jge',
    [JSET_K]: 'jset',
    [RET_K]: 'ret',
  };
  const out: string[] = [];
  for (let pc = 0; pc < buf.length / 8; pc++) {
    const code = buf.readUInt16LE(pc * 8);
    const jt = buf.readUInt8(pc * 8 + 2);
    const jf = buf.readUInt8(pc * 8 + 3);
    const k = buf.readUInt32LE(pc * 8 + 4);
    const hex = `0x${k.toString(16).padStart(8, '0')}`;
    const op = names[code] ?? `op${code}`;
    out.push(
      code === LD_W_ABS || code === RET_K
        ? `${String(pc).padStart(3)}: ${op} ${hex}`
        : `${String(pc).padStart(3)}: ${op} ${hex} jt ${pc + 1 + jt} jf ${pc + 1 + jf}`,
    );
  }
  return out;
}
