/**
 * Outlook's "high" encryption, NDB_CRYPT_CYCLIC ([MS-PST] §5.2), for PST files whose header says bCryptMethod 0x02.
 * Called by pst-extractor-fixes.ts (fix 12) on every data block as it is read; pure and synchronous.
 *
 * The cipher is three byte-substitution rotors keyed per byte: with w = (key ^ key >> 16) & 0xffff and key the
 * low 32 bits of the block's BID, each byte b becomes I[S[R[b + lo(w)] + hi(w)] - hi(w)] - lo(w), then w += 1.
 * R, S and I are the three 256-byte parts of the spec's mpbbCrypt table (§5.1): I is the "compressible"
 * (NDB_CRYPT_PERMUTE) decoding table, R its inverse, and S an involution, so the same function both encrypts
 * and decrypts (the spec uses one routine, CryptCyclic, for both; the tests check f ∘ f = identity on real blocks).
 * Internal blocks (XBLOCK, XXBLOCK, SLBLOCK, SIBLOCK: BID bit 0x02) are never encrypted (§2.2.2.8.3).
 */

/** mpbbCrypt[512..767] (I): the NDB_CRYPT_PERMUTE decoding table. */
const I = Buffer.from(
	'47f1b4e60b6a7248854e9eebe2f89453e0bba002e85a09abdbe3bac67cc310dd' +
	'39059630f53760828cc9134a6b1df3fb8f2697ca911701c4322d6e3195ffd923' +
	'd1005e79dc443b1a28c5615720903d83b943be67d2464276c06d5b7eb20f1629' +
	'3ca903540dda5ddff6b7c762cd8d06d3695c86d614f7a56675acb1e94521700c' +
	'879f74a4224c6fbf1f56aa2eb3783350b0a392bccf191ca763cb1e4d3e4b1b9b' +
	'4fe7f0eead3ab55904ea40552551e57a893868527bfc27aed7bdfa07f4cc8e5f' +
	'ef359c842b15d5773449b6120a7f7188fd9d18417d93d8582ccefe24afdeb836' +
	'c8a180a69998a82f0e816573e4c2a28ad4e111d0088b2af2ed9a643fc16cf9ec',
	'hex',
);
/** mpbbCrypt[256..511] (S). */
const S = Buffer.from(
	'14530f56b3c87a9ceb65481716159f02cc547c83000d0c0ba262a876dbd9edc7' +
	'c5a4dcac8574d6d0a79bae9a967166c36399b8dd73928e847da55ed15d93b157' +
	'5150808952944f4e0a6bbc8d7f6e47464140440111cb033ff7f4e1a98f3c3af9' +
	'fbf0193082092ec99da08649ee6f4d6dc42d813425871b88aafc06a11238fd4c' +
	'4272641337246a757743ffe6b44b365ce4d8353d45b92cecb7312b290768a30e' +
	'697b189e2139be281a5b78f523ca2ab0af3efe048ce7e5983295d3f64ae8a6ea' +
	'e9f3d52f7020f21f0567ad5510cecde3273bdabad7c226d4911dd21c2233f8fa' +
	'f15aefcf90b68bb5bdc0bf08971e6ce261e0c6c159abbb58de5fdf60797eb28a',
	'hex',
);
/** mpbbCrypt[0..255] (R): the inverse of I. */
const R = Buffer.alloc(256);
for (let i = 0; i < 256; i++) R[I[i]!] = i;

/**
 * Encrypts or decrypts `data` in place with the block key `key` (the low 32 bits of the block's BID); returns it.
 * Symmetric: applying it twice with the same key gives the original bytes.
 */
export function cryptCyclic(data: Uint8Array, key: number): Uint8Array {
	let w = ((key >>> 0) ^ (key >>> 16)) & 0xffff;
	for (let i = 0; i < data.length; i++) {
		const low = w & 0xff;
		const high = w >>> 8;
		let b = R[(data[i]! + low) & 0xff]!;
		b = S[(b + high) & 0xff]!;
		b = I[(b - high) & 0xff]!;
		data[i] = (b - low) & 0xff;
		w = (w + 1) & 0xffff;
	}
	return data;
}

/** The three tables, for tests that check their spec properties (R = I⁻¹, S ∘ S = identity). */
export const CYCLIC_TABLES = {R, S, I} as const;
