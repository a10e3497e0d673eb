/**
 * Messages between PstStore (main thread) and the PST worker (pst/worker.ts). Plain structured-clone data;
 * message bytes travel as transferred ArrayBuffers (no copy).
 *
 * Flow control (the worker must not run ahead of the consumer): the worker sends an item only while fewer
 * than `window.items` items and `window.bytes` bytes are un-acknowledged (it always may send one item, however
 * large). The main thread acknowledges an item when its consumer asks for the next one.
 */
import type {SpecialUse} from '../../contracts/source-store.js';

export type WorkerInit = Readonly<{location: string; window: Readonly<{items: number; bytes: number}>; exportNonMail?: boolean}>;

/** A non-mail item's export (vCard / iCalendar text as UTF-8 bytes). */
export type WireExport = Readonly<{extension: 'vcf' | 'ics'; mediaType: string; title: string; content: ArrayBuffer}>;

export type WorkerFolder = Readonly<{path: string[]; nids: number[]; count: number; holdsMail: boolean; specialUse?: SpecialUse}>;

export type WireProblem = Readonly<{
	folder: string;
	location: string;
	code: 'SOURCE_UNREADABLE' | 'SOURCE_INCOMPLETE' | 'STORE_INCONSISTENT' | 'MESSAGE_UNPARSEABLE' | 'FILE_IGNORED';
	kind: 'failed' | 'warning';
	reason: string;
}>;

export type ToWorker =
	| Readonly<{type: 'list'}>
	| Readonly<{type: 'read'; id: number; nids: number[]; label: string}>
	| Readonly<{type: 'ack'; id: number; seq: number}>
	| Readonly<{type: 'cancel'; id: number}>
	| Readonly<{type: 'close'}>;

export type WireItem =
	| Readonly<{kind: 'mail'; raw: ArrayBuffer; flags: string[]; storeDate?: number}>
	| Readonly<{kind: 'not-mail'; itemKind: string; export?: WireExport}>;

export type FromWorker =
	| Readonly<{type: 'ready'; format: string; problems: WireProblem[]; truncation?: Readonly<{size: number; declaredEnd: number}>}>
	| Readonly<{type: 'open-failed'; code: 'NOT_A_MAIL_STORE' | 'SOURCE_UNREADABLE' | 'SOURCE_INCOMPLETE'; message: string; hint: string}>
	| Readonly<{type: 'folders'; folders: WorkerFolder[]; problems: WireProblem[]}>
	| Readonly<{type: 'list-failed'; message: string; hint: string}>
	| Readonly<{type: 'item'; id: number; seq: number; nid: number; location: string; item: WireItem; unacknowledged: number}>
	| Readonly<{type: 'problem'; id: number; problem: WireProblem}>
	| Readonly<{type: 'folder-error'; id: number; reason: string}>
	| Readonly<{type: 'end'; id: number}>;
