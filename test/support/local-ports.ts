import { readFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';

/** The kernel's ephemeral port range (net.ipv4.ip_local_port_range), where it picks outgoing connections' ports. */
export function ephemeralPortRange(): { low: number; high: number } {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    if (Number.isInteger(low) && Number.isInteger(high)) return { low: low!, high: high! };
  } catch {
    // Not Linux, or no /proc: Linux's default range.
  }
  return { low: 32768, high: 60999 };
}

/** Whether a listener can bind 127.0.0.1:`port` now. */
export async function isFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Where test ports come from: 10000 up to the ephemeral range, in blocks of 100 (see below). */
export const TEST_PORTS_FROM = 10_000;

/**
 * A TCP port on 127.0.0.1 that nothing holds right now, for a process a test starts a moment later (a race with
 * others is possible). Below the kernel's ephemeral range: a port the OS hands out for listen(0) comes from that
 * range, where any outgoing connection may take it before the test's process binds it, or while a test has that
 * process stopped. And only ports 60–99 of each hundred, which the Fabric test networks (a block of 60 from a
 * multiple of 100, {@link freeBasePort}) never use, so a node a test stops finds its port again.
 */
export async function freePort(): Promise<number> {
  const hundreds = Math.floor((ephemeralPortRange().low - TEST_PORTS_FROM) / 100);
  for (let attempt = 0; attempt < 500; attempt++) {
    const port =
      TEST_PORTS_FROM + Math.floor(Math.random() * hundreds) * 100 + 60 + Math.floor(Math.random() * 40);
    if (await isFree(port)) return port;
  }
  throw new Error(`no free port below ${ephemeralPortRange().low} after 500 tries`);
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
