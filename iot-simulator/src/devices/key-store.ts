import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  checkId,
  createFileDurably,
  parseDevicePrivateKey,
  publicKeyPem,
  sealReading,
  type Reading,
  type SignedReading,
} from '@provena/wire';
import { SimulatorError, SimulatorErrorCode } from '../errors';

/** Signs readings for devices. The one capability the device runtime needs from a key store. */
export interface ReadingSealer {
  /**
   * Signs a reading with the key of `reading.deviceId`.
   * @throws {@link SimulatorError} UNKNOWN_DEVICE_KEY
   */
  seal(reading: Reading): SignedReading;
}

/**
 * Device key pairs, one P-256 private key per device in its own PEM file. Private keys never leave the store:
 * it hands out public keys (for provisioning) and signatures, nothing else.
 */
export interface DeviceKeyStore extends ReadingSealer {
  /** Creates the device's key pair unless it exists; returns its public key (PEM SPKI). */
  ensureKey(deviceId: string): Promise<string>;
  /** @throws {@link SimulatorError} UNKNOWN_DEVICE_KEY when the store has no key for the device. */
  publicKeyPem(deviceId: string): string;
  has(deviceId: string): boolean;
  deviceIds(): string[];
}

export interface FileKeyStoreOptions {
  /** Folder of `<deviceId>.key.pem` files; created with mode 0700. */
  directory: string;
}

const KEY_SUFFIX = '.key.pem';
const GROUP_OR_OTHER = 0o077;

function keyStoreError(message: string, cause?: unknown): SimulatorError {
  return new SimulatorError(SimulatorErrorCode.KeyStoreFailed, message, { cause });
}

class FileKeyStore implements DeviceKeyStore {
  readonly #directory: string;
  // Private keys live only in this field: no method returns one, and KeyObject does not print its material.
  readonly #keys = new Map<string, { privateKey: KeyObject; publicPem: string }>();
  readonly #creating = new Map<string, Promise<string>>();

  constructor(directory: string) {
    this.#directory = directory;
  }

  async load(): Promise<void> {
    try {
      await mkdir(this.#directory, { recursive: true, mode: 0o700 });
      const info = await stat(this.#directory);
      if ((info.mode & GROUP_OR_OTHER) !== 0) {
        throw new SimulatorError(
          SimulatorErrorCode.KeyFileInsecure,
          `key folder ${this.#directory} is accessible to other users (mode ${(info.mode & 0o777).toString(8)}); chmod 700 it`,
        );
      }
      for (const name of await readdir(this.#directory)) {
        if (name.endsWith(KEY_SUFFIX)) await this.#loadKey(name.slice(0, -KEY_SUFFIX.length));
      }
    } catch (error) {
      if (error instanceof SimulatorError) throw error;
      throw keyStoreError(`cannot open key folder ${this.#directory}`, error);
    }
  }

  #file(deviceId: string): string {
    // checkId keeps `/` and `..` out of file names: a device id cannot escape the folder.
    return join(this.#directory, `${checkId(deviceId, 'deviceId')}${KEY_SUFFIX}`);
  }

  async #loadKey(deviceId: string): Promise<void> {
    const file = this.#file(deviceId);
    const info = await stat(file);
    if ((info.mode & GROUP_OR_OTHER) !== 0) {
      throw new SimulatorError(
        SimulatorErrorCode.KeyFileInsecure,
        `key file ${file} is readable by other users (mode ${(info.mode & 0o777).toString(8)}); treat the key as leaked`,
      );
    }
    const privateKey = parseDevicePrivateKey(await readFile(file, 'utf8'));
    this.#keys.set(deviceId, { privateKey, publicPem: publicKeyPem(createPublicKey(privateKey)) });
  }

  ensureKey(deviceId: string): Promise<string> {
    const known = this.#keys.get(deviceId);
    if (known) return Promise.resolve(known.publicPem);
    // Two callers for the same new device must get the same key, not race to write two.
    let pending = this.#creating.get(deviceId);
    if (!pending) {
      pending = this.#create(deviceId).finally(() => this.#creating.delete(deviceId));
      this.#creating.set(deviceId, pending);
    }
    return pending;
  }

  async #create(deviceId: string): Promise<string> {
    const file = this.#file(deviceId);
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    try {
      // Never over a key another process wrote meanwhile (then that one is the device's key), never torn.
      await createFileDurably(file, pem, 0o600);
    } catch (error) {
      throw keyStoreError(`cannot write key file for device ${deviceId}`, error);
    }
    await this.#loadKey(deviceId);
    return this.publicKeyPem(deviceId);
  }

  #entry(deviceId: string): { privateKey: KeyObject; publicPem: string } {
    const entry = this.#keys.get(deviceId);
    if (!entry) {
      throw new SimulatorError(
        SimulatorErrorCode.UnknownDeviceKey,
        `no key for device ${deviceId} in ${this.#directory}`,
      );
    }
    return entry;
  }

  publicKeyPem(deviceId: string): string {
    return this.#entry(deviceId).publicPem;
  }

  has(deviceId: string): boolean {
    return this.#keys.has(deviceId);
  }

  deviceIds(): string[] {
    return [...this.#keys.keys()].sort();
  }

  seal(reading: Reading): SignedReading {
    return sealReading(reading, this.#entry(reading.deviceId).privateKey);
  }

  toJSON(): object {
    return { directory: this.#directory, devices: this.deviceIds() };
  }
}

/**
 * Opens (creating if needed) a key folder and loads every key in it.
 * @throws {@link SimulatorError} KEY_FILE_INSECURE when the folder or a key file is open to other users;
 * KEY_STORE_FAILED when it cannot be read.
 * @example
 * const keys = await openFileKeyStore({ directory: '.provena/iot-simulator/keys' });
 * const pem = await keys.ensureKey('logger-1001');
 */
export async function openFileKeyStore(options: Readonly<FileKeyStoreOptions>): Promise<DeviceKeyStore> {
  const store = new FileKeyStore(options.directory);
  await store.load();
  return store;
}
