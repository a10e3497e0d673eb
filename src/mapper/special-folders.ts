/**
 * Well-known local folder names → roles (RFC 6154 special-use). Outlook, Thunderbird, Apple Mail and
 * webmail exports in the languages our users write in; matched case-insensitively after trimming.
 * A store that knows a folder's role itself (PST entry IDs) wins over names.
 */
import type {Role} from '../contracts/server-layout.js';

/** The attribute a server marks a mailbox of that role with (RFC 6154 §2; INBOX is by name, RFC 3501 §5.1). */
export const ROLE_ATTRIBUTE: Readonly<Record<Exclude<Role, 'inbox'>, string>> = {
	sent: '\\Sent', drafts: '\\Drafts', trash: '\\Trash', junk: '\\Junk', archive: '\\Archive',
};

/** Name used when the server has no mailbox of that role (Dovecot's and most servers' defaults). */
export const USUAL_NAME: Readonly<Record<Exclude<Role, 'inbox'>, string>> = {
	sent: 'Sent', drafts: 'Drafts', trash: 'Trash', junk: 'Junk', archive: 'Archive',
};

const NAMES: Readonly<Record<Role, readonly string[]>> = {
	inbox: ['inbox', 'posteingang', 'boîte de réception', 'boite de reception', 'bandeja de entrada', 'posta in arrivo',
		'postvak in', 'inkorgen', 'indbakke', 'innboks', 'saapuneet', 'caixa de entrada', 'odebrane', 'входящие', '受信トレイ', '收件箱'],
	sent: ['sent', 'sent items', 'sent messages', 'sent mail', 'sent-mail', 'outbox sent', 'gesendete objekte', 'gesendet',
		'gesendete elemente', 'éléments envoyés', 'elements envoyes', 'envoyés', 'messages envoyés', 'elementos enviados',
		'enviados', 'itens enviados', 'posta inviata', 'elementi inviati', 'verzonden items', 'verzonden', 'skickat',
		'skickade objekt', 'sendt', 'sendte elementer', 'sendte', 'lähetetyt', 'wysłane', 'отправленные', '送信済みアイテム', '已发送邮件'],
	drafts: ['drafts', 'draft', 'entwürfe', 'brouillons', 'borradores', 'rascunhos', 'bozze', 'concepten', 'utkast', 'kladder',
		'luonnokset', 'kopie robocze', 'черновики', '下書き', '草稿'],
	trash: ['trash', 'deleted items', 'deleted messages', 'deleted', 'bin', 'gelöschte objekte', 'gelöschte elemente', 'papierkorb',
		'éléments supprimés', 'elements supprimes', 'corbeille', 'elementos eliminados', 'papelera', 'itens excluídos', 'lixeira',
		'posta eliminata', 'cestino', 'verwijderde items', 'prullenbak', 'papperskorgen', 'borttagna objekt', 'slettede elementer',
		'papirkurv', 'poistetut', 'kosz', 'удаленные', 'корзина', '削除済みアイテム', '已删除邮件'],
	junk: ['junk', 'junk e-mail', 'junk email', 'junk mail', 'spam', 'bulk mail', 'junk-e-mail', 'courrier indésirable',
		'courrier indesirable', 'correo no deseado', 'lixo eletrônico', 'posta indesiderata', 'ongewenste e-mail', 'skräppost',
		'uønsket e-post', 'søppelpost', 'roskaposti', 'nevyžádaná pošta', 'спам', 'нежелательная почта', '迷惑メール', '垃圾邮件'],
	archive: ['archive', 'archives', 'archiv', 'archivo', 'arquivo', 'archivio', 'archief', 'arkiv', 'arkisto', 'archiwum', 'архив', 'アーカイブ', '存档'],
};

const BY_NAME: ReadonlyMap<string, Role> = new Map(
	(Object.entries(NAMES) as Array<[Role, readonly string[]]>).flatMap(([role, names]) => names.map((n) => [n, role] as const)),
);

/** The role of a folder name, or undefined. */
export function roleOfName(name: string): Role | undefined {
	return BY_NAME.get(name.trim().normalize('NFC').toLowerCase());
}
