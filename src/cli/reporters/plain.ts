/**
 * Plain reporter (non-TTY, CI, and for now every run): one progress line on stderr every `intervalMs`
 * (done/total, msg/s, MB/s, ETA), plus one line per failure/warning as it happens, bounded so a store with
 * ten thousand bad messages does not flood the terminal (the report file has them all).
 * stdout is kept for results (the summary table). No cursor tricks: safe in logs and pipes.
 */
import type {EngineEvent} from '../../contracts/events.js';
import {StatsStore} from '../../engine/stats.js';
import {formatBytes, formatCount, formatDuration, plural} from '../../util/format.js';
import type {Reporter} from '../../contracts/reporter.js';

const MAX_EVENT_LINES = 50;

export class PlainReporter implements Reporter {
	readonly #store: StatsStore;
	readonly #write: (line: string) => void;
	readonly #intervalMs: number;
	#timer: NodeJS.Timeout | undefined;
	#eventLines = 0;
	#suppressed = 0;
	#lastLine = '';

	constructor(write: (line: string) => void, intervalMs = 5000, store = new StatsStore()) {
		this.#write = write;
		this.#intervalMs = intervalMs;
		this.#store = store;
	}

	onEvent(event: EngineEvent): void {
		this.#store.apply(event);
		switch (event.type) {
			case 'message:failed':
				this.#eventLine(`failed: ${event.ref.location}: ${event.message}`);
				break;
			case 'warning':
				this.#eventLine(`warning: ${event.location ? event.location + ': ' : event.folder ? event.folder + ': ' : ''}${event.message}`);
				break;
			case 'notice':
				this.#write(event.message);
				break;
			case 'throttle':
				this.#write(`the server asked to slow down — resuming in ${Math.max(1, Math.round((event.untilMs - Date.now()) / 1000))} s (${event.reason})`);
				break;
			case 'folder:start':
				if (event.holdsNoMail === true) this.#write(`${event.folder}: ${event.total === undefined ? 'items' : plural(event.total, 'item')}; not a mail folder in Outlook, so a mailbox is made only if one of them is mail`);
				else this.#write(`${event.folder} → ${event.mailbox}${event.created ? ' (new folder)' : ''}${event.total === undefined ? '' : `, ${plural(event.total, 'message')}`}`);
				break;
			default:
				break;
		}
	}

	start(): void {
		if (this.#intervalMs > 0) {
			this.#timer = setInterval(() => this.#progress(), this.#intervalMs);
			this.#timer.unref();
		}
	}

	stop(): void {
		if (this.#timer) clearInterval(this.#timer);
		this.#timer = undefined;
		if (this.#suppressed > 0) this.#write(`… ${formatCount(this.#suppressed)} more failures/warnings not shown; see the summary and --report.`);
		this.#suppressed = 0;
	}

	/** The current progress line (also used by tests). */
	progressLine(): string {
		const s = this.#store.snapshot();
		const total = s.totalMessages === undefined ? '' : `/${formatCount(s.totalMessages)}`;
		const percent = s.totalMessages ? ` (${Math.floor((100 * s.done) / Math.max(1, s.totalMessages))}%)` : '';
		// No message count (an mbox is not counted before it is read): progress by bytes against the store's size.
		const ofBytes = s.totalMessages === undefined && s.totalBytes ? ` of ~${formatBytes(s.totalBytes)} (${Math.min(100, Math.floor((100 * s.bytes) / s.totalBytes))}%)` : '';
		const eta = s.etaSeconds === undefined ? '' : `, ETA ${formatDuration(s.etaSeconds)}`;
		const verb = s.dryRun ? 'checked' : 'done';
		return `${formatCount(s.done)}${total} ${s.done === 1 && !total ? 'message' : 'messages'} ${verb}${percent}, ${formatBytes(s.bytes)}${ofBytes}, ${s.messagesPerSecond.toFixed(1)} msg/s, ${(s.bytesPerSecond / 1e6).toFixed(2)} MB/s${eta}${s.failed ? `, ${formatCount(s.failed)} failed` : ''}`;
	}

	#progress(): void {
		this.#store.refresh();
		const line = this.progressLine();
		if (line !== this.#lastLine) this.#write(line);
		this.#lastLine = line;
	}

	#eventLine(line: string): void {
		if (this.#eventLines >= MAX_EVENT_LINES) {
			this.#suppressed++;
			return;
		}
		this.#eventLines++;
		this.#write(line);
	}
}
