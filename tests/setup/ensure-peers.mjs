#!/usr/bin/env node
// Makes sure every system peer the test suite needs is present before vitest starts.
// Missing ones are installed with apt when we are root on Debian/Ubuntu; services that are
// installed but not listening are started. Otherwise we stop with a message that names the
// missing tool and the command that installs it: no test may pass because a peer is absent.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { PEERS } from './peers.mjs';

const log = (msg) => process.stderr.write(`[ensure-peers] ${msg}\n`);
const runs = ([cmd, args]) => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasApt = existsSync('/usr/bin/apt-get');

const listening = (port, host = '127.0.0.1') =>
  new Promise((resolve) => {
    const s = connect({ port, host });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.setTimeout(1000, () => {
      s.destroy();
      resolve(false);
    });
  });

let aptUpdated = false;
function aptInstall(pkg) {
  if (!aptUpdated) {
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    aptUpdated = true;
  }
  const r = spawnSync('apt-get', ['install', '-y', '-qq', pkg], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return r.status === 0;
}

async function waitFor(port, seconds) {
  for (let i = 0; i < seconds * 2; i++) {
    if (await listening(port)) return true;
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

const missing = [];
for (const peer of PEERS) {
  if (peer.platform && peer.platform !== process.platform) continue;
  if (!runs(peer.check)) {
    if (isRoot && hasApt) {
      log(`${peer.name} is missing (needed for ${peer.why}); installing: apt-get install -y ${peer.apt}`);
      aptInstall(peer.apt);
    }
    if (!runs(peer.check)) {
      missing.push(
        `${peer.name} (needed for ${peer.why}): install it with \`apt-get install -y ${peer.apt}\``,
      );
      continue;
    }
  }
  if (peer.port && !(await listening(peer.port))) {
    log(`${peer.name} is installed but nothing listens on 127.0.0.1:${peer.port}; starting it`);
    if (isRoot) spawnSync(peer.start[0], peer.start[1], { stdio: 'inherit' });
    if (!(await waitFor(peer.port, peer.startTimeoutSec ?? 60))) {
      missing.push(
        `${peer.name} is not listening on 127.0.0.1:${peer.port}: start it with \`${peer.start.flat().join(' ')}\``,
      );
    }
  }
}

if (missing.length > 0) {
  log('cannot run the test suite; missing system peers:');
  for (const m of missing) log(`  - ${m}`);
  process.exit(1);
}
log(`all ${PEERS.length} system peers present`);
