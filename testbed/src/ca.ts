// The testbed's own certificate authority: one per machine (in the testbed cache), made with
// openssl on first use. It signs the registry's serving certificate and the API server's client
// certificate for kubelets; real nodes trust it. Nothing outside the testbed trusts it: it is
// never added to the system's store.
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ensureDebianPackages, opensslPackage } from './debian-packages.ts';
import { runCommand } from './host-command.ts';

export interface TestbedCa {
  certPath: string;
  keyPath: string;
  /** The CA certificate, PEM. */
  pem: string;
}

export interface IssuedCertificate {
  certPath: string;
  keyPath: string;
}

export interface CertificateRequest {
  /** Folder to write `<name>.crt` and `<name>.key` into. */
  dir: string;
  name: string;
  commonName: string;
  organization?: string;
  ips?: string[];
  dnsNames?: string[];
  usage: 'server' | 'client';
}

/** Where build.sh keeps its binaries' cache; the CA lives beside them. */
export function testbedCacheRoot(): string {
  if (process.env.TIPHYS_TESTBED_CACHE) return process.env.TIPHYS_TESTBED_CACHE;
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'tiphys', 'testbed');
}

export async function ensureTestbedCa(): Promise<TestbedCa> {
  const dir = join(testbedCacheRoot(), 'ca');
  const certPath = join(dir, 'ca.crt');
  const keyPath = join(dir, 'ca.key');
  if (!existsSync(certPath)) {
    await ensureDebianPackages([opensslPackage]);
    mkdirSync(testbedCacheRoot(), { recursive: true });
    // Made in a fresh folder and renamed into place: two processes starting at once end up
    // with one CA, never with a certificate of one and the key of the other.
    const staging = mkdtempSync(join(testbedCacheRoot(), '.ca-'));
    chmodSync(staging, 0o755);
    try {
      await runCommand('openssl', [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-noenc',
        '-keyout',
        join(staging, 'ca.key'),
        '-out',
        join(staging, 'ca.crt'),
        '-days',
        '3650',
        '-subj',
        '/O=Tiphys testbed/CN=Tiphys testbed CA',
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
      ]);
      try {
        renameSync(staging, dir);
      } catch (error) {
        if (!existsSync(certPath)) throw error;
      }
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }
  return { certPath, keyPath, pem: readFileSync(certPath, 'utf8') };
}

/** Issues a certificate signed by the testbed CA (EC P-256, valid two years). */
export async function issueCertificate(
  ca: TestbedCa,
  request: CertificateRequest,
): Promise<IssuedCertificate> {
  mkdirSync(request.dir, { recursive: true, mode: 0o700 });
  const certPath = join(request.dir, `${request.name}.crt`);
  const keyPath = join(request.dir, `${request.name}.key`);
  const csrPath = join(request.dir, `${request.name}.csr`);
  const extPath = join(request.dir, `${request.name}.ext`);
  const subject = `${request.organization ? `/O=${request.organization}` : ''}/CN=${request.commonName}`;
  const names = [
    ...(request.dnsNames ?? []).map((name) => `DNS:${name}`),
    ...(request.ips ?? []).map((ip) => `IP:${ip}`),
  ];
  const extensions = [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature',
    `extendedKeyUsage=${request.usage === 'server' ? 'serverAuth' : 'clientAuth'}`,
    ...(names.length > 0 ? [`subjectAltName=${names.join(',')}`] : []),
  ];
  writeFileSync(extPath, `${extensions.join('\n')}\n`);
  try {
    await runCommand('openssl', [
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-noenc',
      '-keyout',
      keyPath,
      '-out',
      csrPath,
      '-subj',
      subject,
    ]);
    await runCommand('openssl', [
      'x509',
      '-req',
      '-in',
      csrPath,
      '-CA',
      ca.certPath,
      '-CAkey',
      ca.keyPath,
      '-set_serial',
      `0x${randomBytes(16).toString('hex')}`,
      '-days',
      '730',
      '-extfile',
      extPath,
      '-out',
      certPath,
    ]);
  } finally {
    rmSync(csrPath, { force: true });
    rmSync(extPath, { force: true });
  }
  return { certPath, keyPath };
}

/** Reads a PEM file (for Node's `ca` option and kubeconfig data). */
export function readPem(path: string): string {
  return readFileSync(path, 'utf8');
}
