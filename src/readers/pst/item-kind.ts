/**
 * Which PST items are mail (PR_MESSAGE_CLASS, MS-OXCMSG 2.2.1.3; MS-OXOCAL/OXOCNTC/OXOTASK/OXONOTE).
 *
 * Mail: everything a user sees as a message in a mail folder — IPM.Note and its subclasses (S/MIME, voice mail,
 * read-receipt templates), IPM.Post (a "post" in a folder: subject, body, attachments; readpst cannot export
 * it), meeting and task requests/responses (they arrive as e-mail; readpst exports meeting mail as .eml too),
 * reports (REPORT.*: NDRs, delivery and read receipts), recalls, sharing invitations, bare "IPM" and any
 * unknown IPM.* class (never dropped: composing it as a message keeps its subject, body and attachments).
 * Not mail: contacts, distribution lists, calendar items, tasks, sticky notes, journal entries, and Outlook's
 * own configuration/rule/free-busy items. They are counted as "not mail, not migrated" (issue #3).
 */

export type ItemKind = Readonly<{isMail: true} | {isMail: false; label: string}>;

const NOT_MAIL: ReadonlyArray<readonly [prefix: string, label: string]> = [
	['ipm.contact', 'contact'],
	['ipm.distlist', 'distribution list'],
	['ipm.appointment', 'calendar item'],
	['ipm.ole.class.{00061055-0000-0000-c000-000000000046}', 'calendar item'],
	['ipm.task', 'task'],
	['ipm.stickynote', 'note'],
	['ipm.activity', 'journal entry'],
	['ipm.microsoft.scheduledata.freebusy', 'free/busy data'],
	['ipm.microsoft', 'Outlook configuration item'],
	['ipm.configuration', 'Outlook configuration item'],
	['ipm.extendedrule', 'Outlook rule'],
	['ipm.rule', 'Outlook rule'],
	['ipm.ruleorganizer', 'Outlook rule'],
	['ipm.messagemanager', 'Outlook configuration item'],
	['ipm.aggregation', 'Outlook configuration item'],
];

/** Classes that start like a non-mail class but are mail (task requests travel as e-mail). */
const MAIL_EXCEPTIONS = ['ipm.taskrequest'];

/** Classifies a message class; comparison is case-insensitive and on whole dot-separated segments. */
export function itemKindOf(messageClass: string | undefined): ItemKind {
	const cls = (messageClass ?? '').trim().toLowerCase();
	if (MAIL_EXCEPTIONS.some((p) => isPrefix(p, cls))) return {isMail: true};
	for (const [prefix, label] of NOT_MAIL) {
		if (isPrefix(prefix, cls)) return {isMail: false, label};
	}
	return {isMail: true};
}

function isPrefix(prefix: string, cls: string): boolean {
	return cls === prefix || cls.startsWith(`${prefix}.`);
}
