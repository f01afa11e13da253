import { isIP } from "node:net";
import ipaddr from "ipaddr.js";
import { config } from "../../../config";

/** Why a URL or address is refused; its message is what the tenant sees. */
export class OutboundRefusedError extends Error {
  override readonly name = "OutboundRefusedError";
}

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

/**
 * Where a URL a tenant supplies may lead: only public unicast addresses, plus the operator's
 * allowlist (OUTBOUND_ALLOWED_CIDRS). ipaddr.js names every special range (loopback, private,
 * linkLocal, uniqueLocal, carrierGradeNat, multicast, unspecified, reserved, …); anything but
 * "unicast" is refused, and an IPv4-mapped IPv6 address is judged as the IPv4 address it carries.
 */
export class OutboundPolicy {
  private readonly allowed: Cidr[];

  constructor(allowedCidrs: readonly string[]) {
    this.allowed = allowedCidrs.map((cidr) => {
      try {
        return ipaddr.parseCIDR(cidr);
      } catch {
        throw new Error(`OUTBOUND_ALLOWED_CIDRS: "${cidr}" is not a CIDR (like 10.0.0.0/8 or fd00::/8)`);
      }
    });
  }

  /** Why connecting to `address` (an IP) is refused, or undefined when it is allowed. */
  refusalFor(address: string): string | undefined {
    if (!ipaddr.isValid(address)) return `${address} is not an IP address`;
    let parsed = ipaddr.parse(address);
    if (parsed.kind() === "ipv6" && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
    if (this.allowed.some(([range, bits]) => range.kind() === parsed.kind() && parsed.match(range, bits))) return undefined;
    const range = parsed.range();
    return range === "unicast" ? undefined : `${address} is a ${range} address`;
  }

  /** Why a URL whose host is an IP literal is refused; host names are judged when they resolve. */
  refusalForUrl(url: string): string | undefined {
    let host: string;
    try {
      host = new URL(url).hostname.replace(/^\[(.*)\]$/, "$1");
    } catch {
      return `${url} is not a URL`;
    }
    return isIP(host) ? this.refusalFor(host) : undefined;
  }

  /** Throws OutboundRefusedError when `url` names a refused address literally. */
  check(url: string): void {
    const refusal = this.refusalForUrl(url);
    if (refusal) throw new OutboundRefusedError(refusalMessage(url, refusal));
  }
}

export const refusalMessage = (target: string, refusal: string) =>
  `${target} is refused by the outbound policy: ${refusal} (operators can allow it with OUTBOUND_ALLOWED_CIDRS)`;

let cached: OutboundPolicy | undefined;

/** The process's policy, from OUTBOUND_ALLOWED_CIDRS. */
export function outboundPolicy(): OutboundPolicy {
  cached ??= new OutboundPolicy(config().OUTBOUND_ALLOWED_CIDRS);
  return cached;
}
