// Debian's docker-registry for the image tests, until the testbed's own registry harness
// (startRegistry) is on main; then this file goes.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { freePorts } from './ports.ts';
import { cleanUpOnExit, killProcessGroup } from './process-cleanup.ts';

export interface LocalRegistry {
  host: string;
  access: { caFile: string; username: string; password: string };
  stop: () => void;
}

/**
 * Debian's docker-registry on loopback with a CA of its own and htpasswd auth, as the testbed's
 * registry runs it. (Kept here until the testbed's own registry harness is on main.)
 */
export async function startLocalRegistry(dir: string): Promise<LocalRegistry> {
  mkdirSync(dir, { recursive: true });
  const ssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  ssl(
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2'].concat([
      '-subj',
      '/CN=test CA',
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
    ]),
  );
  ssl(
    ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=registry'].concat(
      ['-keyout', 'tls.key', '-out', 'tls.csr'],
    ),
  );
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  ssl(
    [
      'x509',
      '-req',
      '-in',
      'tls.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '2',
    ].concat(['-extfile', 'ext.cnf', '-out', 'tls.crt']),
  );
  const password = 'pushing-secret';
  execFileSync('htpasswd', ['-Bbc', join(dir, 'htpasswd'), 'pusher', password], { stdio: 'ignore' });
  const [port] = await freePorts(1);
  const config = [
    'version: 0.1',
    `storage: { filesystem: { rootdirectory: ${join(dir, 'data')} } }`,
    `http: { addr: 127.0.0.1:${port}, tls: { certificate: ${join(dir, 'tls.crt')}, key: ${join(dir, 'tls.key')} } }`,
    `auth: { htpasswd: { realm: test, path: ${join(dir, 'htpasswd')} } }`,
    'log: { level: warn }',
  ].join('\n');
  writeFileSync(join(dir, 'config.yml'), config);
  const child = spawn('docker-registry', ['serve', join(dir, 'config.yml')], {
    stdio: 'ignore',
    detached: true,
  });
  const stop = () => killProcessGroup(child);
  const drop = cleanUpOnExit(stop);
  for (let tries = 0; ; tries++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port ?? 0, '127.0.0.1', () => resolve(socket.end() && true));
      socket.on('error', () => resolve(false));
    });
    if (open) break;
    if (tries > 200 || child.exitCode !== null) throw new Error('docker-registry did not start');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    host: `127.0.0.1:${port}`,
    access: { caFile: join(dir, 'ca.crt'), username: 'pusher', password },
    stop: () => {
      drop();
      stop();
    },
  };
}
