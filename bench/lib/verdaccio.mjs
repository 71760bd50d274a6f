import { fileURLToPath } from 'node:url';
import { startNodeProcess } from './processes.mjs';

const SERVER_SCRIPT = fileURLToPath(new URL('./verdaccio-server.mjs', import.meta.url));

/** Starts Verdaccio (no uplinks, storage under `dataDir`) in a child process. */
export async function startVerdaccio(dataDir) {
  const proc = await startNodeProcess('verdaccio', [SERVER_SCRIPT, dataDir], { url: /^listening (\S+)/ });
  return { url: proc.values.url, stop: proc.stop };
}

/**
 * Publishes `bundle` as `<pkg>@<version>` the way `npm publish` does: one PUT of the packument
 * with the tarball base64'd in `_attachments`. Verdaccio allows anonymous publish with `$all`;
 * if it refuses, we register a user and retry with its token.
 */
export async function publishToVerdaccio(url, pkg, version, bundle) {
  const filename = `${pkg}-${version}.tgz`;
  const tarball = `${url}/${pkg}/-/${filename}`;
  const body = JSON.stringify({
    _id: pkg,
    name: pkg,
    description: 'MCP Hub benchmark payload',
    'dist-tags': { latest: version },
    versions: {
      [version]: {
        _id: `${pkg}@${version}`,
        name: pkg,
        version,
        main: 'index.js',
        dist: { tarball, shasum: bundle.sha1, integrity: `sha512-${bundle.sha512Base64}` },
      },
    },
    _attachments: {
      [filename]: {
        content_type: 'application/octet-stream',
        data: bundle.bytes.toString('base64'),
        length: bundle.size,
      },
    },
  });
  const put = (headers = {}) =>
    fetch(`${url}/${encodeURIComponent(pkg)}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
  let res = await put();
  if (res.status === 401 || res.status === 403) {
    const token = await createVerdaccioUser(url);
    res = await put({ authorization: `Bearer ${token}` });
  }
  if (!res.ok)
    throw new Error(`verdaccio: publish of ${pkg}@${version} answered ${res.status}: ${await res.text()}`);
  return { tarballPath: `/${pkg}/-/${filename}` };
}

async function createVerdaccioUser(url) {
  const res = await fetch(`${url}/-/user/org.couchdb.user:bench`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench', password: 'bench-password', type: 'user', roles: [] }),
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok || !json.token)
    throw new Error(`verdaccio: creating a user answered ${res.status}: ${JSON.stringify(json)}`);
  return json.token;
}
