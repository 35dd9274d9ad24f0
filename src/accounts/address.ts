// What per-address limits count as one client. An IPv4 address is one; an IPv6 subscriber
// is usually given a whole /64 and can pick any address in it, so a /64 is one.
export function addressKey(ip: string): string {
  const addr = ip.trim().toLowerCase().replace(/%.*$/, "");
  if (!addr.includes(":")) return addr;
  const mapped = addr.match(/^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/);
  if (mapped) return mapped[1]!;
  const groups = ipv6Groups(addr);
  return groups ? `${groups.slice(0, 4).join(":")}::/64` : addr;
}

/** The eight groups of an IPv6 address, without leading zeros; null when it is not one. */
function ipv6Groups(addr: string): string[] | null {
  const halves = addr.split("::");
  if (halves.length > 2) return null;
  const part = (s: string | undefined) => {
    if (!s) return [];
    const out = s.split(":");
    // An IPv4 tail ("::ffff:1.2.3.4", "64:ff9b::1.2.3.4") stands for the last two groups.
    if (out.at(-1)!.includes(".")) out.splice(-1, 1, "0", "0");
    return out;
  };
  const head = part(halves[0]);
  const tail = part(halves[1]);
  const fill = 8 - head.length - tail.length;
  if (halves.length === 1 ? fill !== 0 : fill < 1) return null;
  const groups = [...head, ...Array<string>(halves.length === 1 ? 0 : fill).fill("0"), ...tail];
  if (!groups.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return null;
  return groups.map((g) => g.replace(/^0+(?=.)/, ""));
}
