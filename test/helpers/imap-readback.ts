/**
 * Reads an account back independently of mailshift's sink: LIST, then per selectable mailbox every
 * message's UID, FLAGS, INTERNALDATE and full BODY[] (RFC 3501 FETCH). Assertions compare these with the
 * source, never with mailshift's own counters.
 */
import {ImapFlow} from 'imapflow';
import type {PrivateDovecot} from './dovecot.js';

export type ServerMessage = Readonly<{mailbox: string; uid: number; flags: ReadonlySet<string>; internalDate: Date; source: Buffer; messageId: string | undefined}>;
export type ServerMailbox = Readonly<{path: string; specialUse: string | undefined; subscribed: boolean; flags: ReadonlySet<string>}>;
export type Account = Readonly<{mailboxes: ServerMailbox[]; messages: ServerMessage[]; delimiter: string}>;

/** Any private test server whose users log in with `passwordOf(user)` (Dovecot, Cyrus). */
export type TestServer = Pick<PrivateDovecot, 'host' | 'port' | 'passwordOf'>;

export async function readAccount(server: TestServer, user: string): Promise<Account> {
	const client = new ImapFlow({host: server.host, port: server.port, secure: false, auth: {user, pass: server.passwordOf(user)}, logger: false, tls: {rejectUnauthorized: false}});
	await client.connect();
	try {
		const list = await client.list();
		const mailboxes = list.map((m) => ({path: m.path, specialUse: m.specialUse, subscribed: m.subscribed, flags: new Set(m.flags)}));
		const messages: ServerMessage[] = [];
		for (const box of list) {
			if (box.flags.has('\\Noselect')) continue;
			const lock = await client.getMailboxLock(box.path, {readOnly: true});
			try {
				if (!client.mailbox || client.mailbox.exists === 0) continue;
				for await (const m of client.fetch('1:*', {uid: true, flags: true, internalDate: true, source: true, envelope: true})) {
					messages.push({
						mailbox: box.path, uid: m.uid, flags: new Set(m.flags ?? []),
						internalDate: new Date(m.internalDate ?? 0), source: m.source ?? Buffer.alloc(0),
						messageId: m.envelope?.messageId?.replace(/^<|>$/g, ''),
					});
				}
			} finally {
				lock.release();
			}
		}
		return {mailboxes, messages, delimiter: client.namespace?.delimiter ?? '/'};
	} finally {
		await client.logout();
	}
}

/** Bare LF → CRLF, written independently of src/mapper/normalize.ts. */
export function crlf(raw: Buffer): Buffer {
	return Buffer.from(raw.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
}
