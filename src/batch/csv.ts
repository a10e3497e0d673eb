/**
 * CSV as spreadsheets write it (RFC 4180): a header row, `,` separators, fields in `"…"` with `""` for a quote,
 * commas and line breaks allowed inside quotes, CRLF or LF line ends, an optional UTF-8 BOM (Excel's "CSV UTF-8").
 * Pure functions; used by the batch plan reader (parseCsv) and the batch report writer (formatCsv).
 */

/** One parsed record with the 1-based line on which it starts (a spreadsheet's row number when no field spans lines). */
export type CsvRecord = Readonly<{line: number; fields: readonly string[]}>;

/** Thrown for malformed CSV; `line` is 1-based. */
export class CsvSyntaxError extends Error {
	override readonly name = 'CsvSyntaxError';
	readonly line: number;

	constructor(line: number, message: string) {
		super(`line ${line}: ${message}`);
		this.line = line;
	}
}

/**
 * Parses CSV text into records. Blank lines are dropped (a trailing newline, or an empty line left by an editor).
 * Throws CsvSyntaxError on a quote that is never closed or text after a closing quote. Linear in the input.
 */
export function parseCsv(text: string): CsvRecord[] {
	if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
	const records: CsvRecord[] = [];
	let fields: string[] = [];
	let field = '';
	let line = 1;
	let recordLine = 1;
	let i = 0;
	let isQuoted = false;
	let wasQuoted = false;
	const endField = (): void => {
		fields.push(field);
		field = '';
		wasQuoted = false;
	};
	const endRecord = (): void => {
		endField();
		if (!(fields.length === 1 && fields[0] === '' )) records.push({line: recordLine, fields});
		fields = [];
	};
	while (i < text.length) {
		const ch = text[i] as string;
		if (isQuoted) {
			if (ch === '"') {
				if (text[i + 1] === '"') {
					field += '"';
					i += 2;
					continue;
				}
				isQuoted = false;
				wasQuoted = true;
				i++;
				continue;
			}
			if (ch === '\n') line++;
			field += ch;
			i++;
			continue;
		}
		if (ch === '"') {
			if (field !== '' || wasQuoted) throw new CsvSyntaxError(line, 'a quote (") in the middle of an unquoted field; put the whole field in quotes and double the quote ("")');
			isQuoted = true;
			i++;
			continue;
		}
		if (ch === ',') {
			endField();
			i++;
			continue;
		}
		if (ch === '\r' || ch === '\n') {
			endRecord();
			i += ch === '\r' && text[i + 1] === '\n' ? 2 : 1;
			line++;
			recordLine = line;
			continue;
		}
		if (wasQuoted) throw new CsvSyntaxError(line, 'text after a closing quote; put the whole field in quotes');
		field += ch;
		i++;
	}
	if (isQuoted) throw new CsvSyntaxError(recordLine, 'a quoted field is never closed (a missing ")');
	if (field !== '' || fields.length > 0 || wasQuoted) endRecord();
	return records;
}

/** One CSV field, quoted when it holds a comma, a quote, a line break, or leading/trailing spaces. */
export function formatCsvField(value: string | number | boolean | undefined | null): string {
	const text = value === undefined || value === null ? '' : String(value);
	return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Rows → CSV text with CRLF line ends (RFC 4180, what spreadsheets expect), ending in CRLF. */
export function formatCsv(rows: ReadonlyArray<ReadonlyArray<string | number | boolean | undefined | null>>): string {
	return rows.map((row) => row.map(formatCsvField).join(',')).join('\r\n') + '\r\n';
}
