/**
 * The PST worker thread: owns one PstSession (one store per worker: pst-extractor's named-property map is
 * process-wide) and serves PstStore's requests (worker-protocol.ts). Started only by PstStore.
 *
 * - One read at a time, in request order; a `cancel` stops it after the current item.
 * - Flow control: see worker-protocol.ts. The worker yields to its event loop after every item, so acks and
 *   cancels are seen promptly even while it is allowed to run ahead.
 * - Every failure is a message, never an uncaught exception: an open failure is `open-failed`, a folder that
 *   cannot be opened `folder-error`, an item that cannot be read a `problem`.
 */
import {parentPort, workerData} from 'node:worker_threads';
import type {SessionEvent} from './pst-session.js';
import {PstOpenError, PstSession} from './pst-session.js';
import type {FromWorker, ToWorker, WireProblem, WorkerInit} from './worker-protocol.js';

const init = workerData as WorkerInit;
const port = parentPort;
if (port === null) throw new Error('pst/worker.ts must run in a worker thread');

let session: PstSession | undefined;
const cancelled = new Set<number>();
const unacknowledged = new Map<number, number>();
let unacknowledgedBytes = 0;
let wake: (() => void) | undefined;
let queue: Promise<void> = Promise.resolve();

const post = (message: FromWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);
const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));

try {
	session = PstSession.open(init.location, {exportNonMail: init.exportNonMail === true});
	post({type: 'ready', format: `${session.format.kind} ${session.format.label}, encryption ${session.format.encryption}`,
		problems: session.openProblems.map((p) => ({...p, folder: ''})), ...(session.truncation === undefined ? {} : {truncation: session.truncation})});
} catch (error) {
	if (error instanceof PstOpenError) post({type: 'open-failed', code: error.code, message: error.message, hint: error.hint});
	else post({type: 'open-failed', code: 'SOURCE_UNREADABLE', message: `${init.location} cannot be opened: ${describe(error)}`, hint: 'Repair a copy with Outlook\'s Inbox Repair Tool (scanpst.exe) and try again.'});
}

port.on('message', (message: ToWorker) => {
	switch (message.type) {
		case 'list':
			queue = queue.then(list);
			break;
		case 'read':
			queue = queue.then(() => read(message.id, message.nids, message.label));
			break;
		case 'ack': {
			const bytes = unacknowledged.get(message.seq);
			if (bytes !== undefined) {
				unacknowledged.delete(message.seq);
				unacknowledgedBytes -= bytes;
			}
			wake?.();
			break;
		}
		case 'cancel':
			cancelled.add(message.id);
			wake?.();
			break;
		case 'close':
			queue = queue.then(() => {
				session?.close();
				port.close();
			});
			break;
	}
});

async function list(): Promise<void> {
	if (session === undefined) return;
	try {
		const tree = session.folderTree();
		post({type: 'folders', folders: tree.folders, problems: tree.problems.map((p) => ({...p, code: 'FILE_IGNORED', kind: 'warning'}))});
	} catch (error) {
		const hint = error instanceof PstOpenError ? error.hint : 'Repair a copy with Outlook\'s Inbox Repair Tool (scanpst.exe) and try again.';
		post({type: 'list-failed', message: describe(error), hint});
	}
}

async function read(id: number, nids: number[], label: string): Promise<void> {
	if (session === undefined) return;
	let seq = 0;
	const events = session.readFolder(nids, label);
	try {
		for (;;) {
			while (!cancelled.has(id) && unacknowledged.size > 0 && (unacknowledged.size >= init.window.items || unacknowledgedBytes >= init.window.bytes)) {
				await new Promise<void>((resolve) => (wake = resolve));
				wake = undefined;
			}
			if (cancelled.has(id)) break;
			const next = events.next();
			if (next.done === true) break;
			seq = sendEvent(id, seq, label, next.value);
			// Let acks and cancels in between items (the generator is synchronous).
			await new Promise<void>((resolve) => setImmediate(resolve));
		}
	} catch (error) {
		post({type: 'folder-error', id, reason: `reading stopped: ${describe(error)}`});
	} finally {
		events.return(undefined);
		cancelled.delete(id);
		unacknowledged.clear();
		unacknowledgedBytes = 0;
		post({type: 'end', id});
	}
}

function sendEvent(id: number, seq: number, label: string, event: SessionEvent): number {
	if (event.type === 'problem') {
		const problem: WireProblem = {...event.problem, folder: label};
		post({type: 'problem', id, problem});
		return seq;
	}
	if (event.type === 'error') {
		post({type: 'folder-error', id, reason: event.reason});
		return seq;
	}
	const result = event.result;
	const next = seq + 1;
	if (result.kind === 'not-mail') {
		const exported = result.export;
		const content = exported === undefined ? undefined : Uint8Array.from(exported.content).buffer;
		unacknowledged.set(next, content?.byteLength ?? 0);
		unacknowledgedBytes += content?.byteLength ?? 0;
		const item = exported === undefined || content === undefined
			? {kind: 'not-mail' as const, itemKind: result.itemKind}
			: {kind: 'not-mail' as const, itemKind: result.itemKind, export: {extension: exported.extension, mediaType: exported.mediaType, title: exported.title, content}};
		post({type: 'item', id, seq: next, nid: event.nid, location: event.location, item, unacknowledged: unacknowledged.size}, content === undefined ? [] : [content]);
		return next;
	}
	const raw = result.raw;
	// Transfer, don't copy: large Buffers own their ArrayBuffer; small ones come from the pool and are copied.
	const buffer = raw.byteOffset === 0 && raw.buffer.byteLength === raw.length && raw.buffer instanceof ArrayBuffer
		? raw.buffer
		: raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length) as ArrayBuffer;
	unacknowledged.set(next, raw.length);
	unacknowledgedBytes += raw.length;
	post({
		type: 'item', id, seq: next, nid: event.nid, location: event.location,
		item: {kind: 'mail', raw: buffer, flags: result.flags, ...(result.storeDate === undefined ? {} : {storeDate: result.storeDate.getTime()})},
		unacknowledged: unacknowledged.size,
	}, [buffer]);
	return next;
}
