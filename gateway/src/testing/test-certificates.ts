import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * A throwaway P-256 key and self-signed certificate made with OpenSSL (a TLS CA, a peer's TLS certificate or an
 * enrolled identity), so no private key is ever committed. `san` adds a subjectAltName, e.g.
 * `DNS:localhost,IP:127.0.0.1` for a TLS server.
 */
export function certificatePair(
  dir: string,
  name: string,
  subject: string,
  san?: string,
): { cert: string; key: string } {
  const cert = join(dir, `${name}.cert.pem`);
  const key = join(dir, `${name}.key.pem`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '1',
      '-subj',
      subject,
      '-keyout',
      key,
      '-out',
      cert,
      ...(san ? ['-addext', `subjectAltName=${san}`] : []),
    ],
    { stdio: 'ignore' },
  );
  return { cert, key };
}
