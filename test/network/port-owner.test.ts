import { spawn } from 'node:child_process';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { resolve } from 'node:path';
import { freePort } from '../support/local-ports';

// network.sh asks `netctl port-owner` before it starts a node on a port, and names what it finds in its refusal
// (exit 3) instead of letting the node die on EADDRINUSE. A port is held by a listener, and also by an outgoing
// connection that the kernel gave it as its local end: that too makes a later bind fail.

const NETCTL = resolve(__dirname, '../../network/lib/netctl.mjs');

function portOwner(port: number): Promise<{ code: number | null; out: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [NETCTL, 'port-owner', String(port)]);
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('close', (code) => done({ code, out }));
  });
}

let server: Server;
let client: Socket;

beforeAll(async () => {
  server = createServer((socket) => socket.on('error', () => undefined));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  client = connect((server.address() as { port: number }).port, '127.0.0.1');
  await new Promise<void>((r) => client.once('connect', r));
});

afterAll(async () => {
  client.destroy();
  await new Promise((r) => server.close(r));
});

it('names the process that listens on the port', async () => {
  const { code, out } = await portOwner((server.address() as { port: number }).port);
  expect(code).toBe(0);
  expect(out).toMatch(new RegExp(`^pid ${process.pid}: `));
  expect(out).not.toContain('local end of a connection');
});

it('names the process whose outgoing connection holds the port as its local end, and why that matters', async () => {
  const port = client.localPort!;
  // What network.sh would meet: the port is free of listeners, yet a bind fails.
  const bind = await new Promise<string>((r) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => r(err.code ?? 'error'));
    probe.listen(port, '127.0.0.1', () => probe.close(() => r('bound')));
  });
  expect(bind).toBe('EADDRINUSE');

  const { code, out } = await portOwner(port);
  expect(code).toBe(0);
  expect(out).toMatch(new RegExp(`^pid ${process.pid}: .*\\(as the local end of a connection`));
});

it("does not count a stopped listener's connections against the port: a restarted node binds it again", async () => {
  // As after network.sh down: the node's listener is gone, its accepted connections are still there (closing).
  const node = createServer((socket) => socket.on('error', () => undefined));
  await new Promise<void>((r) => node.listen(0, '127.0.0.1', r));
  const port = (node.address() as { port: number }).port;
  const accepted = new Promise<void>((r) => node.once('connection', () => r()));
  const peer = connect(port, '127.0.0.1');
  await accepted;
  const closed = new Promise((r) => node.close(r));
  try {
    const { code, out } = await portOwner(port);
    expect(code).toBe(0);
    expect(out).toBe('');
  } finally {
    peer.destroy();
    await closed;
  }
});

it('prints nothing for a port nobody holds', async () => {
  const { code, out } = await portOwner(await freePort());
  expect(code).toBe(0);
  expect(out).toBe('');
});
