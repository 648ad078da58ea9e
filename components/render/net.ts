// Pure helpers for IP networks and DNS names. No provider SDK here.

/** A parsed CIDR block. `bits` is 32 for IPv4 and 128 for IPv6. */
export interface Cidr {
    readonly text: string;
    readonly family: 4 | 6;
    readonly prefix: number;
    readonly bits: 32 | 128;
    /** The network address as a bigint. */
    readonly network: bigint;
    /** True when the address part has bits set beyond the prefix (e.g. `10.0.0.1/8`). */
    readonly hostBitsSet: boolean;
}

function parseIpv4(text: string): bigint | undefined {
    const parts = text.split(".");
    if (parts.length !== 4) return undefined;
    let value = 0n;
    for (const part of parts) {
        if (!/^(0|[1-9]\d{0,2})$/.test(part)) return undefined;
        const n = Number(part);
        if (n > 255) return undefined;
        value = (value << 8n) | BigInt(n);
    }
    return value;
}

function parseIpv6(text: string): bigint | undefined {
    if (!/^[0-9a-fA-F:]+$/.test(text) || text.includes(":::")) return undefined;
    const halves = text.split("::");
    if (halves.length > 2) return undefined;
    const head = halves[0] === "" ? [] : halves[0].split(":");
    const tail = halves.length === 2 && halves[1] !== "" ? halves[1].split(":") : [];
    const missing = 8 - head.length - tail.length;
    if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
    const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
    let value = 0n;
    for (const g of groups) {
        if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
        value = (value << 16n) | BigInt(parseInt(g, 16));
    }
    return value;
}

/** Parses `a.b.c.d/n` or an IPv6 `x::/n`; returns undefined when the text is not a CIDR block. */
export function parseCidr(text: string): Cidr | undefined {
    const m = /^([^/\s]+)\/(\d{1,3})$/.exec(text);
    if (!m) return undefined;
    const family: 4 | 6 = m[1].includes(":") ? 6 : 4;
    const bits = family === 4 ? 32 : 128;
    const address = family === 4 ? parseIpv4(m[1]) : parseIpv6(m[1]);
    const prefix = Number(m[2]);
    if (address === undefined || prefix > bits || (m[2].length > 1 && m[2].startsWith("0"))) return undefined;
    const hostMask = (1n << BigInt(bits - prefix)) - 1n;
    return {
        text,
        family,
        prefix,
        bits,
        network: address & ~hostMask,
        hostBitsSet: (address & hostMask) !== 0n,
    };
}

/** Formats the network address of a CIDR in canonical form (`10.0.0.0/8`, `2001:db8::/32`). */
export function canonicalCidr(c: Cidr): string {
    if (c.family === 4) {
        const octets = [24n, 16n, 8n, 0n].map(s => String((c.network >> s) & 255n));
        return `${octets.join(".")}/${c.prefix}`;
    }
    const groups: string[] = [];
    for (let i = 7; i >= 0; i--) groups.push(((c.network >> BigInt(i * 16)) & 0xffffn).toString(16));
    // Compress the longest run of zero groups (RFC 5952).
    let best = { start: -1, len: 0 };
    for (let i = 0; i < 8; ) {
        if (groups[i] !== "0") { i++; continue; }
        let j = i;
        while (j < 8 && groups[j] === "0") j++;
        if (j - i > best.len && j - i > 1) best = { start: i, len: j - i };
        i = j;
    }
    const text = best.start < 0
        ? groups.join(":")
        : `${groups.slice(0, best.start).join(":")}::${groups.slice(best.start + best.len).join(":")}`;
    return `${text}/${c.prefix}`;
}

/** True when the two blocks share at least one address. */
export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
    if (a.family !== b.family) return false;
    const prefix = Math.min(a.prefix, b.prefix);
    const shift = BigInt(a.bits - prefix);
    return a.network >> shift === b.network >> shift;
}

/** RFC 1123 host name with at least two labels, lower case (what certificates and Route 53 expect). */
export function isDnsName(name: string): boolean {
    if (name.length > 253 || !name.includes(".")) return false;
    return name.split(".").every(label => /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(label));
}
