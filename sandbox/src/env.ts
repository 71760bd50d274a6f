import type { Policy } from './policy/schema.js';

export interface SandboxEnvOptions {
  /** Sandbox home (Linux: /tmp/home; macOS: the per-run temp dir). */
  home: string;
  tmpdir: string;
  /** Directory of the node binary, put on PATH so `node` resolves. */
  nodeDir?: string;
  /** Local proxy URL inside the sandbox (allowlist mode). */
  proxyUrl?: string;
  socksUrl?: string;
}

/**
 * Pure: the complete environment of the sandboxed server. Nothing is inherited implicitly:
 * base variables, then host values for names in `env.allow`, then `env.set`, then the proxy
 * variables (last, so neither the host nor the policy can point them elsewhere).
 */
export function buildSandboxEnv(
  policy: Pick<Policy, 'env'>,
  hostEnv: NodeJS.ProcessEnv,
  o: SandboxEnvOptions,
): Record<string, string> {
  const path = ['/usr/local/bin', '/usr/bin', '/bin'];
  if (o.nodeDir && !path.includes(o.nodeDir)) path.unshift(o.nodeDir);
  const env: Record<string, string> = {
    PATH: path.join(':'),
    HOME: o.home,
    TMPDIR: o.tmpdir,
    LANG: 'C.UTF-8',
  };
  for (const name of policy.env.allow) {
    const v = hostEnv[name];
    if (v !== undefined) env[name] = v;
  }
  Object.assign(env, policy.env.set);
  if (o.proxyUrl) {
    for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) env[k] = o.proxyUrl;
    env.ALL_PROXY = env.all_proxy = o.socksUrl ?? o.proxyUrl;
    env.NO_PROXY = env.no_proxy = 'localhost,127.0.0.1,::1';
    // Node's fetch ignores *_PROXY without this (Node ≥ 22.21 / 24); older Node needs an agent.
    env.NODE_USE_ENV_PROXY = '1';
  }
  return env;
}
