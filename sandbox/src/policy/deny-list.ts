/**
 * Paths no mount can re-open. A mount *of* one of these is refused; a mount of a *parent* of one
 * gets it masked (an empty read-only tmpfs over a directory, /dev/null over a file).
 *
 * Two kinds: paths relative to the user's home (credentials, shell start-up files — writing one of
 * these is code execution on the user's next login), and names that are dangerous wherever they
 * appear inside a mount (git hooks and config run code on the user's next `git` command; `.mcp.json`
 * adds MCP servers to the user's client).
 */
export const HOME_DENY_LIST: readonly string[] = [
  '.ssh',
  '.gnupg',
  '.aws',
  '.azure',
  '.config/gcloud',
  '.config/gh',
  '.kube',
  '.docker/config.json',
  '.netrc',
  '.npmrc',
  '.pypirc',
  '.git-credentials',
  '.gitconfig',
  '.config/git',
  '.mcp.json',
  '.bashrc',
  '.bash_profile',
  '.bash_login',
  '.bash_logout',
  '.profile',
  '.zshrc',
  '.zshenv',
  '.zprofile',
  '.zlogin',
  '.zlogout',
  '.config/fish',
];

/** Relative paths denied wherever they occur under a mounted directory (found by a bounded walk). */
export const ANYWHERE_DENY_LIST: readonly string[] = ['.git/hooks', '.gitconfig', '.mcp.json'];

/** Sandbox paths a user mount may not target (the sandbox's own plumbing). */
export const RESERVED_SANDBOX_PATHS: readonly string[] = [
  '/',
  '/proc',
  '/dev',
  '/sys',
  '/usr',
  '/lib',
  '/lib64',
  '/bin',
  '/sbin',
  '/etc',
  '/app',
  '/run/mcphub',
  '/tmp',
];

/** Entries above that are directories (a missing one is masked with a tmpfs, not /dev/null). */
export const DENIED_DIRS: readonly string[] = [
  '.ssh',
  '.gnupg',
  '.aws',
  '.azure',
  '.config/gcloud',
  '.config/gh',
  '.kube',
  '.config/git',
  '.config/fish',
  '.git/hooks',
];
