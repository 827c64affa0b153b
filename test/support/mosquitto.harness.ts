import { spawn, type ChildProcess } from 'node:child_process';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { canConnect, freePort } from './local-ports';

const MOSQUITTO = process.env.MOSQUITTO_BIN ?? '/usr/sbin/mosquitto';
/**
 * The delivery settings Provena ships (persistence, no queue limits, TCP_NODELAY): tests run what users run. Found
 * by walking up, because benchmarks load this file compiled into another folder.
 */
const PROVENA_BROKER_CONF_DIR = ((): string => {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, 'network', 'mosquitto', 'conf.d');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`no network/mosquitto/conf.d above ${__dirname}`);
})();

/** A Mosquitto process of our own on a free port, which a test may stop and start again on the same port. */
export interface TestBroker {
  readonly port: number;
  readonly url: string;
  readonly running: boolean;
  start(): Promise<void>;
  /** SIGTERM lets Mosquitto write its persistence file on the way out; SIGKILL does not. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Stops the process if it runs and deletes its folder. Safe to call twice. */
  cleanup(): Promise<void>;
  log(): Promise<string>;
  /** True once Mosquitto has written its persistence file (it does on a SIGTERM stop). */
  hasPersistenceFile(): Promise<boolean>;
}

/** Processes started here, killed if the test process exits without cleaning up. */
const started = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of started) child.kill('SIGKILL');
});

export async function startTestBroker(options: {
  persistence: boolean;
  /** Lines after the shared settings, overriding them (a test's own autosave interval, say). */
  settings?: readonly string[];
}): Promise<TestBroker> {
  const dir = await mkdtemp(join(tmpdir(), 'provena-mosquitto-'));
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  const logFile = join(dir, 'mosquitto.log');
  await writeFile(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      `persistence_location ${dir}/`,
      `include_dir ${PROVENA_BROKER_CONF_DIR}`,
      // After the shared settings, so a test can turn persistence off to show what it protects against.
      `persistence ${options.persistence}`,
      ...(options.settings ?? []),
      // Started as root, Mosquitto drops to the `mosquitto` user, which cannot write this folder: no
      // persistence file, so sessions and queued messages vanish on restart, the very loss a test must catch.
      `user ${userInfo().username}`,
      `log_dest file ${logFile}`,
      'log_type error',
      'log_type warning',
      'log_type notice',
      'log_type information',
      '',
    ].join('\n'),
  );
  let child: ChildProcess | undefined;

  const broker: TestBroker = {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    },
    async start() {
      if (broker.running) return;
      const proc = spawn(MOSQUITTO, ['-c', conf], { stdio: 'ignore' });
      child = proc;
      started.add(proc);
      proc.once('exit', () => started.delete(proc));
      const deadline = Date.now() + 5000;
      while (!(await canConnect(port))) {
        if (proc.exitCode !== null)
          throw new Error(`mosquitto exited with ${proc.exitCode}: ${await broker.log()}`);
        if (Date.now() > deadline) throw new Error(`mosquitto did not listen on ${port} within 5 s`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    async stop(signal = 'SIGTERM') {
      const proc = child;
      if (!proc || !broker.running) return;
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill(signal);
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
    async cleanup() {
      await broker.stop('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    },
    async log() {
      return readFile(logFile, 'utf8').catch(() => '(no log)');
    },
    async hasPersistenceFile() {
      return access(join(dir, 'mosquitto.db')).then(
        () => true,
        () => false,
      );
    },
  };
  try {
    await broker.start();
  } catch (error) {
    await broker.cleanup();
    throw error;
  }
  return broker;
}
