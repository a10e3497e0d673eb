/**
 * The batch plan: one row per mailbox, from CSV (header row) or JSON (an array of objects with the same keys).
 * Columns: `source`, `url`, `password` (required), `id`, `prefix`, `connections`, `bwlimit` (optional); any
 * other column is an error, named. `validatePlan` checks the WHOLE plan and returns every problem at once,
 * each with its row (the spreadsheet row number for CSV: the header is row 1; the 1-based array position for
 * JSON) and column, and what to do. Called once by run-batch before anything connects or uploads.
 */
import {stat} from 'node:fs/promises';
import {dirname, isAbsolute, resolve} from 'node:path';
import {MailshiftError} from '../contracts/errors.js';
import {migrationKey} from '../journal/journal-location.js';
import type {ImapTarget} from '../uploader/imap-target.js';
import {describeTarget, parseImapUrl} from '../uploader/imap-target.js';
import {parseBytes} from '../util/units.js';
import {parseCredential, resolveCredential} from './credential.js';
import type {CredentialSpec} from './credential.js';
import {CsvSyntaxError, parseCsv} from './csv.js';

export const PLAN_COLUMNS = ['source', 'url', 'password', 'id', 'prefix', 'connections', 'bwlimit'] as const;
export type PlanColumn = (typeof PLAN_COLUMNS)[number];
const REQUIRED: readonly PlanColumn[] = ['source', 'url', 'password'];

/** A row as written, before validation. */
export type RawPlanRow = Readonly<{row: number; values: Readonly<Partial<Record<PlanColumn, string>>>}>;

/** One thing wrong with the plan. `row` 0 = the file or its header. */
export type PlanProblem = Readonly<{row: number; column?: string; message: string}>;

/** A validated row. The password is not here (see ValidatedPlan.passwords). */
export type BatchRow = Readonly<{
	row: number;
	id: string;
	/** Absolute path of the store. */
	source: string;
	/** The url as written (validated: it holds no password). */
	url: string;
	target: ImapTarget;
	/** imap(s)://user@host:port, for reports. */
	destination: string;
	credential: CredentialSpec;
	prefix: string | undefined;
	/** Connections asked for (before the per-server cap). */
	connections: number | undefined;
	bwlimit: string | undefined;
}>;

export type ValidatedPlan = Readonly<{
	rows: readonly BatchRow[];
	problems: readonly PlanProblem[];
	/** Row id → password; only for rows whose credential resolved. Never serialised. */
	passwords: ReadonlyMap<string, string>;
}>;

/**
 * Reads plan text: JSON when the file name ends in `.json` or the text starts with `[`, else CSV.
 * Throws a USAGE MailshiftError for text that is not a plan at all (bad CSV syntax, bad JSON, no rows,
 * missing or unknown columns) — those affect every row.
 */
export function parsePlanText(text: string, fileName: string): RawPlanRow[] {
	const trimmed = text.replace(/^\uFEFF/, '').trimStart();
	return fileName.toLowerCase().endsWith('.json') || trimmed.startsWith('[') ? parseJsonPlan(trimmed, fileName) : parseCsvPlan(text, fileName);
}

function usage(fileName: string, message: string, hint?: string): MailshiftError {
	return new MailshiftError('USAGE', `The batch plan ${fileName}: ${message}`, 'fatal', {
		hint: hint ?? `The header row must name the columns, from: ${PLAN_COLUMNS.join(', ')} (source, url and password are required).`,
	});
}

function checkColumns(columns: readonly string[], fileName: string): void {
	const unknown = columns.filter((c) => !(PLAN_COLUMNS as readonly string[]).includes(c));
	if (unknown.length > 0) throw usage(fileName, `unknown column${unknown.length > 1 ? 's' : ''} ${unknown.map((c) => `"${c}"`).join(', ')}.`, `Remove or rename ${unknown.length > 1 ? 'them' : 'it'}; the columns are: ${PLAN_COLUMNS.join(', ')}.`);
	const seen = new Set<string>();
	for (const c of columns) {
		if (seen.has(c)) throw usage(fileName, `the column "${c}" appears twice.`);
		seen.add(c);
	}
	const missing = REQUIRED.filter((c) => !seen.has(c));
	if (missing.length > 0) throw usage(fileName, `the required column${missing.length > 1 ? 's' : ''} ${missing.map((c) => `"${c}"`).join(', ')} ${missing.length > 1 ? 'are' : 'is'} missing.`);
}

function parseCsvPlan(text: string, fileName: string): RawPlanRow[] {
	let records;
	try {
		records = parseCsv(text);
	} catch (error) {
		if (error instanceof CsvSyntaxError) throw usage(fileName, `${error.message}.`, 'Fix the quoting on that line (fields with commas or quotes go in "…", a quote inside is written "").');
		throw error;
	}
	const header = records[0];
	if (!header) throw usage(fileName, 'it is empty.');
	const columns = header.fields.map((f) => f.trim().toLowerCase());
	checkColumns(columns, fileName);
	if (records.length < 2) throw usage(fileName, 'it has a header but no rows.', 'Add one row per mailbox below the header.');
	return records.slice(1).map((record) => {
		const values: Partial<Record<PlanColumn, string>> = {};
		columns.forEach((column, index) => {
			const value = record.fields[index];
			if (value !== undefined) values[column as PlanColumn] = value.trim();
		});
		// More fields than columns: remembered under a key validatePlan reports.
		if (record.fields.length > columns.length && record.fields.slice(columns.length).some((f) => f.trim() !== '')) {
			(values as Record<string, string>)['#extra'] = String(record.fields.length - columns.length);
		}
		return {row: record.line, values};
	});
}

function parseJsonPlan(text: string, fileName: string): RawPlanRow[] {
	let data: unknown;
	try {
		data = JSON.parse(text);
	} catch (error) {
		throw usage(fileName, `it is not valid JSON (${(error as Error).message}).`, 'A JSON plan is an array of objects: [{"source": "…", "url": "imaps://user@host", "password": "env:VAR"}].');
	}
	if (!Array.isArray(data) || data.length === 0) throw usage(fileName, 'a JSON plan must be a non-empty array of objects.');
	const columns = new Set<string>();
	for (const entry of data) if (entry && typeof entry === 'object' && !Array.isArray(entry)) for (const key of Object.keys(entry)) columns.add(key);
	const unknown = [...columns].filter((c) => !(PLAN_COLUMNS as readonly string[]).includes(c));
	if (unknown.length > 0) checkColumns([...columns], fileName);
	return data.map((entry: unknown, index) => {
		const values: Partial<Record<PlanColumn, string>> = {};
		if (entry && typeof entry === 'object' && !Array.isArray(entry)) {
			for (const [key, value] of Object.entries(entry)) {
				if (typeof value === 'string' || typeof value === 'number') values[key as PlanColumn] = String(value).trim();
				else (values as Record<string, string>)[`#type:${key}`] = typeof value;
			}
		} else {
			(values as Record<string, string>)['#notObject'] = '1';
		}
		return {row: index + 1, values};
	});
}

export type ValidateOptions = Readonly<{
	/** Resolves relative source and file: paths (the plan file's directory). */
	baseDir: string;
	env: NodeJS.ProcessEnv;
	insecure: boolean;
	/**
	 * `--allow-plan-commands`: the admin trusts this plan to run the programs its `oauth-command:` cells name.
	 * Without it such a row is a problem (a plan is mailed and checked in; it must not run programs by itself).
	 * @default false
	 */
	allowCommands?: boolean;
}>;

/**
 * Checks every row (sources exist, urls parse and hold no password, credentials resolve, numbers in range,
 * ids unique, no two rows with the same source and destination) and returns all problems at once. Reads the
 * file system; does not connect. Never throws for a bad row.
 */
export async function validatePlan(raw: readonly RawPlanRow[], options: ValidateOptions): Promise<ValidatedPlan> {
	const problems: PlanProblem[] = [];
	const rows: BatchRow[] = [];
	const passwords = new Map<string, string>();
	const ids = new Map<string, number>();
	const pairs = new Map<string, number>();
	for (const {row, values} of raw) {
		const problem = (column: string | undefined, message: string): void => {
			problems.push({row, ...(column === undefined ? {} : {column}), message});
		};
		const before = problems.length;
		const extra = (values as Record<string, string>)['#extra'];
		if (extra) problem(undefined, `has ${extra} more field${extra === '1' ? '' : 's'} than the header has columns; quote fields that contain commas ("a, b")`);
		if ((values as Record<string, string>)['#notObject']) problem(undefined, 'is not an object; write {"source": …, "url": …, "password": …}');
		for (const key of Object.keys(values)) if (key.startsWith('#type:')) problem(key.slice(6), 'must be a string or a number');
		const id = values.id || `row${row}`;
		if (!/^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$/.test(id)) problem('id', `"${id.slice(0, 70)}" is not a usable id; use up to 64 letters, digits and . _ @ + - (starting with a letter or digit)`);
		else if (ids.has(id)) problem('id', `"${id}" is also the id of row ${ids.get(id)}; ids must be unique (they name the row in reports and --only-failed)`);
		else ids.set(id, row);
		let source: string | undefined;
		if (!values.source) problem('source', 'is empty; write the path of the Maildir, mbox or Thunderbird folder to migrate');
		else {
			source = isAbsolute(values.source) ? values.source : resolve(options.baseDir, values.source);
			try {
				await stat(source);
			} catch {
				problem('source', `${source} does not exist or cannot be read; fix the path (relative paths are taken from the plan's directory)`);
			}
		}
		let target: ImapTarget | undefined;
		if (!values.url) problem('url', 'is empty; write imaps://user@host (or imap://user@host:143)');
		else {
			try {
				target = parseImapUrl(values.url, options.insecure);
			} catch (error) {
				const e = error as MailshiftError;
				problem('url', `${e.message.replace(/^--to /, '')}${e.hint ? ` ${e.hint.replace(/--password-file FILE/g, 'file:PATH in the password column').replace(/set MAILSHIFT_PASSWORD/g, 'use env:VAR in the password column')}` : ''}`);
			}
		}
		let credential: CredentialSpec | undefined;
		const parsed = parseCredential(values.password ?? '', options.baseDir);
		if (!parsed.ok) problem('password', parsed.problem);
		else if (parsed.spec.kind === 'oauth-command' && !options.allowCommands) {
			problem('password', 'oauth-command: runs a program named in the plan; nothing from a plan is run unless you add --allow-plan-commands (after checking the command)');
		} else {
			credential = parsed.spec;
			const resolved = await resolveCredential(parsed.spec, options.env);
			if (!resolved.ok) problem('password', resolved.problem);
			else if (problems.length === before) passwords.set(id, resolved.password);
		}
		let connections: number | undefined;
		if (values.connections) {
			connections = Number(values.connections);
			if (!Number.isInteger(connections) || connections < 1 || connections > 32) problem('connections', `"${values.connections}" is not a whole number from 1 to 32; leave it empty for the default (4)`);
		}
		if (values.bwlimit && parseBytes(values.bwlimit) === undefined) problem('bwlimit', `"${values.bwlimit}" is not a size per second; e.g. 2M (2 MiB/s) or 500k, or leave it empty for no limit`);
		if (source && target) {
			const pair = migrationKey(source, target); // one mailbox under two spellings is the same pair
			const other = pairs.get(pair);
			if (other !== undefined) problem('url', `row ${other} already migrates the same source into the same account; remove one of the two rows`);
			else pairs.set(pair, row);
		}
		if (problems.length === before && source && target && credential) {
			rows.push({
				row, id, source, url: values.url ?? '', target, destination: describeTarget(target), credential,
				prefix: values.prefix || undefined, connections, bwlimit: values.bwlimit || undefined,
			});
		} else if (ids.get(id) === row) {
			passwords.delete(id);
		}
	}
	return {rows, problems, passwords};
}

/** "row 3, column password: …" lines, in plan order. */
export function formatPlanProblems(problems: readonly PlanProblem[], fileName: string): string {
	return problems.map((p) => `${fileName}: row ${p.row}${p.column ? `, column ${p.column}` : ''}: ${p.message}`).join('\n') + '\n';
}

/** The directory relative paths in the plan are resolved against. */
export function planBaseDir(planPath: string): string {
	return dirname(resolve(planPath));
}
