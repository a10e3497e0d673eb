/**
 * Typed, raw access to the MAPI properties of a pst-extractor object (message, attachment, folder, store,
 * recipient row), without the library's lossy getters. The one place that reads pst-extractor internals
 * (`pstTableItems`, `localDescriptorItems`: protected in its .d.ts, public at run time; packages.md §2).
 *
 * Why not the library getters: they decode PT_STRING8 with a code page taken from the wrong property (or
 * UTF-8 when none), return binary bodies as strings, hide PR_FLAG_STATUS and the SMTP address properties,
 * and return `new Date(0)`/'' for "absent". Here absence is `undefined`, and a property whose bytes cannot be
 * read (damaged sub-node) is also `undefined` plus a note in `problems`, so one bad property never costs the
 * whole item.
 *
 * Not thread-safe in any sense that matters: used only inside the PST worker, synchronously.
 */
import {decodeText} from './code-pages.js';

/** One property as pst-extractor parsed it (PSTTableItem). */
export type RawProperty = Readonly<{
	entryValueType: number;
	entryValueReference: number;
	isExternalValueReference: boolean;
	data: Buffer;
}>;

type DescriptorItem = {getData(): Buffer; readonly subNodeOffsetIndexIdentifier: number};

/** The internals of a pst-extractor PSTObject that PropertyBag reads. */
export type PstObjectInternals = {
	pstTableItems: Map<number, RawProperty> | null;
	localDescriptorItems: Map<number, DescriptorItem> | null;
};

/** MAPI property types (MS-OXCDATA 2.11.1). */
export const PT = {
	SHORT: 0x0002, LONG: 0x0003, DOUBLE: 0x0005, ERROR: 0x000a, BOOLEAN: 0x000b, OBJECT: 0x000d, I8: 0x0014, STRING8: 0x001e,
	UNICODE: 0x001f, SYSTIME: 0x0040, BINARY: 0x0102, MV_STRING8: 0x101e, MV_UNICODE: 0x101f, MV_BINARY: 0x1102,
} as const;

/** FILETIME of 1970-01-01 in 100 ns units (MS-DTYP 2.3.3). */
const FILETIME_UNIX_EPOCH = 116_444_736_000_000_000n;

export class PropertyBag {
	readonly #items: ReadonlyMap<number, RawProperty>;
	readonly #subNodes: ReadonlyMap<number, DescriptorItem>;
	/** Charset of this object's PT_STRING8 values (see code-pages.ts). */
	readonly ansiCharset: string;
	/** Properties that exist but could not be read, as "0x1009: reason". Appended to, never cleared. */
	readonly problems: string[];

	/**
	 * @param object a pst-extractor PSTObject (or anything with its `pstTableItems`), or a recipient row map.
	 * @param ansiCharset charset for PT_STRING8 values.
	 * @param problems shared list to append unreadable-property notes to.
	 */
	constructor(object: unknown, ansiCharset: string, problems: string[] = []) {
		if (object instanceof Map) {
			this.#items = object as Map<number, RawProperty>;
			this.#subNodes = new Map();
		} else {
			const internals = object as PstObjectInternals;
			this.#items = internals.pstTableItems ?? new Map();
			this.#subNodes = internals.localDescriptorItems ?? new Map();
		}
		this.ansiCharset = ansiCharset;
		this.problems = problems;
	}

	has(id: number): boolean {
		return this.#items.has(id);
	}

	type(id: number): number | undefined {
		return this.#items.get(id)?.entryValueType;
	}

	/** PT_SHORT, PT_LONG, PT_BOOLEAN, PT_ERROR values (stored inline); undefined when absent or another type. */
	int(id: number): number | undefined {
		const item = this.#items.get(id);
		if (item === undefined) return undefined;
		switch (item.entryValueType) {
			case PT.SHORT: return item.entryValueReference & 0xffff;
			case PT.LONG: return item.entryValueReference | 0;
			case PT.BOOLEAN: return item.entryValueReference & 0xff;
			default: return undefined;
		}
	}

	/** Unsigned 32-bit value of a PT_LONG (flags, code pages). */
	uint(id: number): number | undefined {
		const value = this.int(id);
		return value === undefined ? undefined : value >>> 0;
	}

	bool(id: number): boolean | undefined {
		const value = this.int(id);
		return value === undefined ? undefined : value !== 0;
	}

	/** The value's bytes (binary, strings, 8-byte types), reading a sub-node when the value lives there. */
	bytes(id: number): Buffer | undefined {
		const item = this.#items.get(id);
		if (item === undefined) return undefined;
		if (!item.isExternalValueReference) return item.data;
		if (item.entryValueReference === 0) return Buffer.alloc(0);
		const sub = this.#subNodes.get(item.entryValueReference);
		if (sub === undefined) {
			// Small inline types have no bytes; a missing sub-node for a variable-size value is damage.
			if (isInlineType(item.entryValueType)) return undefined;
			this.problems.push(`property 0x${hex4(id)}: its data node ${item.entryValueReference} is missing`);
			return undefined;
		}
		try {
			return sub.getData();
		} catch (error) {
			this.problems.push(`property 0x${hex4(id)}: ${describe(error)}`);
			return undefined;
		}
	}

	/**
	 * A string property: PT_UNICODE as UTF-16LE, PT_STRING8 and PT_BINARY in `charset` (default: the
	 * object's ANSI charset). Trailing NULs are removed. Undefined when absent or unreadable.
	 */
	string(id: number, charset?: string): string | undefined {
		const type = this.type(id);
		if (type === undefined) return undefined;
		const data = this.bytes(id);
		if (data === undefined) return undefined;
		if (type === PT.UNICODE) return stripNuls(data.toString('utf16le'));
		if (type === PT.STRING8 || type === PT.BINARY) return stripNuls(decodeText(data, charset ?? this.ansiCharset));
		return undefined;
	}

	/** A non-empty, trimmed string, or undefined. */
	text(id: number): string | undefined {
		const value = this.string(id)?.trim();
		return value === undefined || value === '' ? undefined : value;
	}

	/** PT_SYSTIME as a Date; undefined when absent, zero or outside years 1601–9999. */
	date(id: number): Date | undefined {
		const item = this.#items.get(id);
		if (item?.entryValueType !== PT.SYSTIME || item.data.length < 8) return undefined;
		const filetime = item.data.readBigUInt64LE(0);
		if (filetime === 0n || filetime === 0xffffffffffffffffn) return undefined;
		const ms = Number((filetime - FILETIME_UNIX_EPOCH) / 10_000n);
		const date = new Date(ms);
		return Number.isNaN(date.getTime()) || date.getUTCFullYear() > 9999 ? undefined : date;
	}

	/** PT_DOUBLE (8 bytes, IEEE 754 little-endian); undefined when absent or another type. */
	double(id: number): number | undefined {
		if (this.type(id) !== PT.DOUBLE) return undefined;
		const data = this.bytes(id);
		return data === undefined || data.length < 8 ? undefined : data.readDoubleLE(0);
	}

	/** PT_MV_UNICODE / PT_MV_STRING8 values (same layout as PT_MV_BINARY), trimmed, empty ones left out. */
	multiString(id: number): string[] {
		const type = this.type(id);
		if (type !== PT.MV_UNICODE && type !== PT.MV_STRING8) return [];
		return this.#multiValues(id)
			.map((value) => stripNuls(type === PT.MV_UNICODE ? value.toString('utf16le') : decodeText(value, this.ansiCharset)).trim())
			.filter((value) => value !== '');
	}

	/** PT_MV_BINARY (MS-PST 2.3.3.4.2: count, offsets, then the values). Empty when absent or malformed. */
	multiBinary(id: number): Buffer[] {
		if (this.type(id) !== PT.MV_BINARY) return [];
		return this.#multiValues(id);
	}

	#multiValues(id: number): Buffer[] {
		const data = this.bytes(id);
		if (data === undefined || data.length < 4) return [];
		const count = data.readUInt32LE(0);
		if (count > 1024 || 4 + count * 4 > data.length) return [];
		const values: Buffer[] = [];
		for (let i = 0; i < count; i++) {
			const start = data.readUInt32LE(4 + i * 4);
			const end = i + 1 < count ? data.readUInt32LE(8 + i * 4) : data.length;
			values.push(start <= end && end <= data.length ? data.subarray(start, end) : Buffer.alloc(0));
		}
		return values;
	}

	/** The sub-node an object property (PT_OBJECT: NID + size, MS-PST 2.3.3.5) points to, with its own sub-nodes. */
	objectNode(id: number): DescriptorItem | undefined {
		const item = this.#items.get(id);
		if (item?.entryValueType !== PT.OBJECT || item.data.length < 4) return undefined;
		return this.#subNodes.get(item.data.readUInt32LE(0));
	}
}

function isInlineType(type: number): boolean {
	return type === PT.SHORT || type === PT.LONG || type === PT.BOOLEAN || type === PT.ERROR || type === 0x0004 || type === 0x0001;
}

function stripNuls(text: string): string {
	let end = text.length;
	while (end > 0 && text.charCodeAt(end - 1) === 0) end--;
	return end === text.length ? text : text.slice(0, end);
}

function hex4(id: number): string {
	return id.toString(16).padStart(4, '0').toUpperCase();
}

function describe(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}

/**
 * The node id an entry ID points to (MS-PST 2.2.2.3 EntryID: rgbFlags(4) + uid(16) + nid(4)); undefined when
 * the bytes are not a 24-byte PST entry ID.
 */
export function nidOfEntryId(entryId: Buffer | undefined): number | undefined {
	if (entryId === undefined || entryId.length !== 24) return undefined;
	return entryId.readUInt32LE(20);
}
