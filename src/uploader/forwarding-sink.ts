/**
 * ForwardingSink: the base of MailSink decorators. Forwards every member, the optional capabilities only when
 * the inner sink has them (so a decorator never claims a capability it cannot give); a decorator overrides
 * what it changes (usually `append`). `close()` closes the inner sink.
 */
import type {AppendReceipt, UploadJob} from '../contracts/types.js';
import type {ServerLayout} from '../contracts/server-layout.js';
import type {EnsuredMailbox, MailboxState, MailSink, Quota} from '../contracts/mail-sink.js';
import type {MailboxIndex} from '../contracts/mailbox-index.js';

export abstract class ForwardingSink implements MailSink {
	protected readonly inner: MailSink;

	constructor(inner: MailSink) {
		this.inner = inner;
		if (inner.mailboxState) this.mailboxState = (path, signal) => inner.mailboxState!(path, signal);
		if (inner.listedUidValidity) this.listedUidValidity = (path) => inner.listedUidValidity!(path);
		if (inner.loadIndex) this.loadIndex = (path, signal, options) => inner.loadIndex!(path, signal, options);
		if (inner.quota) this.quota = (signal) => inner.quota!(signal);
		if (inner.setConnections) this.setConnections = (n) => inner.setConnections!(n);
		if (inner.appendWindow) this.appendWindow = () => inner.appendWindow!();
		if (inner.mailboxPaths) this.mailboxPaths = () => inner.mailboxPaths!();
		if (inner.appendLimit) this.appendLimit = () => inner.appendLimit!();
	}

	mailboxState?: (path: string, signal?: AbortSignal) => Promise<MailboxState>;
	listedUidValidity?: (path: string) => bigint | undefined;
	loadIndex?: (path: string, signal?: AbortSignal, options?: Readonly<{headerDigests?: boolean}>) => Promise<MailboxIndex>;
	quota?: (signal?: AbortSignal) => Promise<Quota | undefined>;
	setConnections?: (n: number) => void;
	appendWindow?: () => number;
	mailboxPaths?: () => string[];
	appendLimit?: () => number | undefined;

	layout(): ServerLayout {
		return this.inner.layout();
	}

	ensureMailbox(path: string, signal?: AbortSignal): Promise<EnsuredMailbox> {
		return this.inner.ensureMailbox(path, signal);
	}

	permanentFlags(path: string, signal?: AbortSignal): Promise<ReadonlySet<string> | undefined> {
		return this.inner.permanentFlags(path, signal);
	}

	append(job: UploadJob, signal?: AbortSignal): Promise<AppendReceipt> {
		return this.inner.append(job, signal);
	}

	connections(): number {
		return this.inner.connections();
	}

	close(): Promise<void> {
		return this.inner.close();
	}
}
