import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A certificate and its private key (PEM) that a {@link TestCa} issued. */
export interface IssuedIdentity {
  readonly cert: Buffer;
  readonly key: string;
}

/**
 * A throwaway P-256 CA made with the openssl command line in `dir` (`ca.key`, `ca.crt`), issuing certificates as
 * Fabric CA would (SHA-256, the NodeOU as OU) and revocation lists: no private key is ever committed.
 */
export class TestCa {
  readonly cert: Buffer;

  constructor(
    readonly dir: string,
    subject = '/O=ProducerMSP/CN=ca.producer',
  ) {
    this.#openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key');
    this.#openssl(
      'req',
      '-x509',
      '-new',
      '-key',
      'ca.key',
      '-subj',
      subject,
      '-days',
      '30',
      '-sha256',
      '-out',
      'ca.crt',
    );
    this.cert = readFileSync(join(dir, 'ca.crt'));
  }

  #openssl(...args: string[]): void {
    execFileSync('openssl', args, { cwd: this.dir, stdio: 'pipe' });
  }

  /** A certificate for `/O=ProducerMSP/OU=<ou>/CN=<name>` with serial `serialHex`, in `<name>.crt` / `<name>.key`. */
  issue(name: string, ou: string, serialHex: string): IssuedIdentity {
    this.#openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`);
    this.#openssl(
      'req',
      '-new',
      '-key',
      `${name}.key`,
      '-subj',
      `/O=ProducerMSP/OU=${ou}/CN=${name}`,
      '-out',
      `${name}.csr`,
    );
    this.#openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-set_serial',
      `0x${serialHex}`,
      '-days',
      '30',
      '-sha256',
      '-out',
      `${name}.crt`,
    );
    return {
      cert: readFileSync(join(this.dir, `${name}.crt`)),
      key: readFileSync(join(this.dir, `${name}.key`), 'utf8'),
    };
  }

  /** A CRL (PEM) revoking the given serial numbers, signed by this CA, as Fabric CA's `revoke --gencrl` makes one. */
  revocationList(serialsHex: readonly string[]): Buffer {
    const index = serialsHex
      .map((s) => `R\t301231000000Z\t261206000000Z\t${s}\tunknown\t/CN=revoked\n`)
      .join('');
    writeFileSync(join(this.dir, 'index.txt'), index);
    writeFileSync(join(this.dir, 'crlnumber'), '01\n');
    writeFileSync(
      join(this.dir, 'ca.cnf'),
      '[ca]\ndefault_ca=d\n[d]\ndatabase=index.txt\ncrlnumber=crlnumber\ndefault_md=sha256\ndefault_crl_days=30\n',
    );
    this.#openssl(
      'ca',
      '-config',
      'ca.cnf',
      '-gencrl',
      '-keyfile',
      'ca.key',
      '-cert',
      'ca.crt',
      '-out',
      'crl.pem',
    );
    return readFileSync(join(this.dir, 'crl.pem'));
  }
}
