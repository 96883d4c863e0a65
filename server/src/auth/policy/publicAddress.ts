import { BlockList, isIPv4, isIPv6 } from 'node:net';

/**
 * Every IPv4 range that is not globally reachable unicast (IANA special-purpose registry, RFC 6890 and
 * successors): a server-side fetch must never reach the user's machine, LAN, cloud metadata or carrier NAT.
 */
const NON_PUBLIC_IPV4: ReadonlyArray<readonly [string, number]> = [
  ['0.0.0.0', 8], // "this network", including the unspecified address
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT (RFC 6598); also Tailscale
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, including 169.254.169.254 cloud metadata
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation (TEST-NET-1)
  ['192.31.196.0', 24], // AS112
  ['192.52.193.0', 24], // AMT
  ['192.88.99.0', 24], // deprecated 6to4 relay anycast
  ['192.168.0.0', 16], // private
  ['192.175.48.0', 24], // AS112 direct delegation
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation (TEST-NET-2)
  ['203.0.113.0', 24], // documentation (TEST-NET-3)
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, including 255.255.255.255 broadcast
];

// IPv6 is allow-listed: only global unicast 2000::/3 can be public, which already excludes ::, ::1,
// fc00::/7 unique-local, fe80::/10 link-local, fec0::/10 site-local, ff00::/8 multicast and 100::/64.
const NON_PUBLIC_IPV6_IN_GLOBAL: ReadonlyArray<readonly [string, number]> = [
  ['2001::', 23], // IETF protocol assignments: Teredo, benchmarking, ORCHID
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4, which tunnels to any IPv4 address including private ones
  ['2620:4f:8000::', 48], // AS112
  ['3fff::', 20], // documentation (RFC 9637)
];

const blockedV4 = new BlockList();
for (const [network, prefix] of NON_PUBLIC_IPV4) blockedV4.addSubnet(network, prefix, 'ipv4');

const globalUnicastV6 = new BlockList();
globalUnicastV6.addSubnet('2000::', 3, 'ipv6');

const blockedV6 = new BlockList();
for (const [network, prefix] of NON_PUBLIC_IPV6_IN_GLOBAL) blockedV6.addSubnet(network, prefix, 'ipv6');

// IPv6 forms that carry an IPv4 address in their last 32 bits; they are as public as that address.
const embedsV4 = new BlockList();
embedsV4.addSubnet('::ffff:0:0', 96, 'ipv6'); // IPv4-mapped
embedsV4.addSubnet('64:ff9b::', 96, 'ipv6'); // NAT64 well-known prefix, what DNS64 resolvers hand out

/**
 * Whether `ip` (an IPv4 or IPv6 literal, without brackets) is globally reachable unicast. Anything that
 * is not a valid literal, or carries a zone id, is not public.
 */
export function isPublicAddress(ip: string): boolean {
  if (isIPv4(ip)) return !blockedV4.check(ip, 'ipv4');
  if (!isIPv6(ip) || ip.includes('%')) return false;
  if (embedsV4.check(ip, 'ipv6')) return isPublicAddress(embeddedIPv4(ip));
  return globalUnicastV6.check(ip, 'ipv6') && !blockedV6.check(ip, 'ipv6');
}

/** The IPv4 address in the last 32 bits of a valid IPv6 literal. */
function embeddedIPv4(ip: string): string {
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(ip);
  if (dotted?.[1] !== undefined) return dotted[1];
  const groups = expandIPv6(ip);
  const high = groups[6] ?? 0;
  const low = groups[7] ?? 0;
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

/** The eight 16-bit groups of a valid IPv6 literal without an embedded dotted quad. */
function expandIPv6(ip: string): number[] {
  const [head = '', tail] = ip.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = tail === undefined ? 0 : 8 - left.length - right.length;
  return [...left, ...Array<string>(missing).fill('0'), ...right].map((group) => parseInt(group, 16));
}
