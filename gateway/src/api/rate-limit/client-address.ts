import { isIPv4, isIPv6 } from 'node:net';

/**
 * What unauthenticated requests are counted by: the client's IPv4 address, or the /64 network of an IPv6 one. A
 * host is usually given a whole /64, so counting single IPv6 addresses would let one client take 2^64 allowances.
 * An IPv4 address written as IPv6 (`::ffff:192.0.2.1`, how a dual-stack listener reports IPv4 clients) counts as
 * the IPv4 address. Anything else (no address: the socket is already gone) shares one allowance.
 *
 * @example
 * clientAddressKey('::ffff:192.0.2.7'); // => '192.0.2.7'
 * clientAddressKey('2001:db8:1:2:3:4:5:6'); // => '2001:db8:1:2::/64'
 */
export function clientAddressKey(address: string | undefined): string {
  if (address === undefined) return 'unknown';
  const bare = address.replace(/%.*$/, ''); // a zone id (fe80::1%eth0) names our interface, not the client
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare)?.[1];
  if (mapped !== undefined && isIPv4(mapped)) return mapped;
  if (isIPv4(bare)) return bare;
  if (!isIPv6(bare)) return 'unknown';
  return `${ipv6Groups(bare).slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address, without leading zeros. */
function ipv6Groups(address: string): string[] {
  const withoutV4 = address.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_, a, b, c, d) => {
    const [w, x, y, z] = [a, b, c, d].map(Number) as [number, number, number, number];
    return `${((w << 8) | x).toString(16)}:${((y << 8) | z).toString(16)}`;
  });
  const [head = '', tail] = withoutV4.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? [] : Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  return [...headGroups, ...zeros, ...tailGroups].map((group) => parseInt(group, 16).toString(16));
}
