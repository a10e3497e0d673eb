/**
 * ServerLayout: how the target server names mailboxes, read from the server (RFC 3501 §5.1.1 delimiter,
 * RFC 2342 NAMESPACE, RFC 6154 SPECIAL-USE) and handed to the folder mapper, which never assumes any of it.
 */

/** A mailbox role (RFC 6154 special-use; INBOX is by name, RFC 3501 §5.1). */
export type Role = 'inbox' | 'sent' | 'drafts' | 'trash' | 'junk' | 'archive';

export type ServerLayout = Readonly<{
	/** Hierarchy delimiter, e.g. '/' or '.'. */
	delimiter: string;
	/** Personal namespace prefix including its trailing delimiter, e.g. 'INBOX.' or ''. */
	prefix: string;
	/** Existing special-use mailboxes by role (full server paths). */
	specialUse: ReadonlyMap<Exclude<Role, 'inbox'>, string>;
}>;
