import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runCommand } from './process.js';

export interface ServerPki {
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
}

/**
 * A CA and one server certificate signed by it, with openssl (≈0.4 s), in
 * `dir`: `ca.crt`/`ca.key` and `<name>.crt`/`<name>.key`. The CA carries
 * explicit CA and key-usage extensions (Java's TLS wants them), the server
 * certificate its SANs (`IP:…`, `DNS:…`) for server authentication.
 */
export async function makeServerPki(
  dir: string,
  o: { readonly caName: string; readonly name: string; readonly sans: readonly string[]; readonly days: number },
): Promise<ServerPki> {
  await mkdir(dir, { recursive: true });
  const f = (file: string): string => path.join(dir, file);
  const days = String(o.days);
  await runCommand('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    days,
    '-subj',
    `/CN=${o.caName}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.crt'),
  ]);
  await runCommand('openssl', [
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    `/CN=${o.name}`,
    '-keyout',
    f(`${o.name}.key`),
    '-out',
    f(`${o.name}.csr`),
  ]);
  await writeFile(
    f(`${o.name}.ext`),
    `subjectAltName=${o.sans.join(',')}\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n`,
  );
  await runCommand('openssl', [
    'x509',
    '-req',
    '-in',
    f(`${o.name}.csr`),
    '-CA',
    f('ca.crt'),
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-days',
    days,
    '-extfile',
    f(`${o.name}.ext`),
    '-out',
    f(`${o.name}.crt`),
  ]);
  return { caFile: f('ca.crt'), certFile: f(`${o.name}.crt`), keyFile: f(`${o.name}.key`) };
}
