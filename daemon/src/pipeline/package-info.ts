import { existsSync, promises as fsp } from 'node:fs';
import { join } from 'node:path';

export interface PackageInfo {
  runtime: { type: 'node' | 'python' | 'go' | 'binary'; entrypoint: string; args?: string[] };
  description?: string;
}

const firstExisting = (dir: string, names: string[]) => names.find((n) => existsSync(join(dir, n)));

/** Works out how a submitted server starts: node (package.json bin/main), python, go or a binary. */
export async function detectPackageInfo(dir: string): Promise<PackageInfo> {
  if (existsSync(join(dir, 'package.json'))) {
    let pkg: { bin?: string | Record<string, string>; main?: string; description?: string } = {};
    try {
      pkg = JSON.parse(await fsp.readFile(join(dir, 'package.json'), 'utf8'));
    } catch {
      // A broken package.json is the scanner's business; fall back to index.js.
    }
    const bin = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin ? Object.values(pkg.bin)[0] : undefined;
    const entrypoint = (
      bin ??
      pkg.main ??
      firstExisting(dir, ['dist/index.js', 'index.js', 'build/index.js']) ??
      'index.js'
    ).replace(/^\.\//, '');
    return {
      runtime: { type: 'node', entrypoint },
      ...(typeof pkg.description === 'string' ? { description: pkg.description.slice(0, 2000) } : {}),
    };
  }
  if (existsSync(join(dir, 'go.mod'))) return { runtime: { type: 'go', entrypoint: '.' } };
  const py = firstExisting(dir, ['server.py', 'main.py', 'app.py', '__main__.py']);
  if (py || existsSync(join(dir, 'pyproject.toml'))) {
    const any = py ?? (await fsp.readdir(dir)).find((f) => f.endsWith('.py')) ?? 'server.py';
    return { runtime: { type: 'python', entrypoint: any } };
  }
  return {
    runtime: { type: 'binary', entrypoint: firstExisting(dir, ['bin/server', 'server']) ?? 'server' },
  };
}
