/**
 * What `mailshift fleet status` shows (issue #15): per row its state, worker, progress, rate and last error, the
 * journal's counts, and totals; the fleet's connection caps with what is in use now. Read-only, safe while
 * workers run. No secrets: rows hold where a secret is, never the secret.
 */
import type {RowResult} from '../batch/batch-report.js';
import {ExitCode} from '../contracts/exit-codes.js';
import type {ExitCodeValue} from '../contracts/exit-codes.js';
import type {FleetQueue, RowState} from './fleet-queue.js';
import {FLEET_SCHEMA} from './fleet-schema.js';

export type FleetRowStatus = Readonly<{
	id: string;
	state: RowState;
	source: string;
	url: string;
	worker: string | null;
	/** Last progress a worker recorded (found, done, uploaded, skipped, failed, bytes, messagesPerSecond, at). */
	progress: Readonly<Record<string, unknown>> | null;
	/** The row's result when it ended (the same fields as a batch report row, plus problems). */
	result: Readonly<Record<string, unknown>> | null;
	lastError: string | null;
	journal: Readonly<{done: number; pending: number; failed: number; skipped: number}>;
	updatedAt: string;
}>;

export type FleetStatus = Readonly<{
	queue: string;
	url: string;
	isPaused: boolean;
	caps: Readonly<{maxPerHost: number | null; maxPerUser: number | null; leaseSeconds: number}>;
	connectionsInUse: ReadonlyArray<Readonly<{host: string; user: string; connections: number}>>;
	rows: readonly FleetRowStatus[];
	totals: Readonly<Record<RowState, number> & {rows: number; messagesDone: number}>;
}>;

export async function readFleetStatus(queue: FleetQueue): Promise<FleetStatus> {
	const settings = await queue.settings();
	const {rows} = await queue.pool.query<{row_id: string; state: RowState; spec: {source: string; url: string}; worker: string | null; progress: Record<string, unknown> | null; result: Record<string, unknown> | null; last_error: string | null; updated_at: Date}>(
		`SELECT row_id, state, spec, worker, progress, result, last_error, updated_at FROM ${FLEET_SCHEMA}.plan_rows WHERE queue = $1 ORDER BY submitted_at, row_id`, [queue.name]);
	const {rows: counts} = await queue.pool.query<{row_key: string; state: string; n: string}>(
		`SELECT row_key, state, count(*)::text AS n FROM ${FLEET_SCHEMA}.journal WHERE starts_with(row_key, $1) GROUP BY row_key, state`, [`${queue.name}/`]);
	const byRow = new Map<string, {done: number; pending: number; failed: number; skipped: number}>();
	for (const c of counts) {
		const id = c.row_key.slice(queue.name.length + 1);
		const entry = byRow.get(id) ?? {done: 0, pending: 0, failed: 0, skipped: 0};
		if (c.state === 'done' || c.state === 'pending' || c.state === 'failed' || c.state === 'skipped') entry[c.state] = Number(c.n);
		byRow.set(id, entry);
	}
	const {rows: inUse} = await queue.pool.query<{host: string; imap_user: string; n: string}>(
		`SELECT host, imap_user, sum(connections)::text AS n FROM ${FLEET_SCHEMA}.leases WHERE starts_with(row_key, $1) AND worker IS NOT NULL AND expires_at > now() AND connections > 0 GROUP BY host, imap_user ORDER BY host, imap_user`, [`${queue.name}/`]);
	const totals: Record<RowState, number> & {rows: number; messagesDone: number} = {queued: 0, running: 0, retry: 0, done: 0, failed: 0, cancelled: 0, rows: rows.length, messagesDone: 0};
	const out: FleetRowStatus[] = rows.map((r) => {
		totals[r.state]++;
		const journal = byRow.get(r.row_id) ?? {done: 0, pending: 0, failed: 0, skipped: 0};
		totals.messagesDone += journal.done;
		return {
			id: r.row_id, state: r.state, source: r.spec.source, url: r.spec.url, worker: r.state === 'running' ? r.worker : null,
			progress: r.progress, result: r.result, lastError: r.last_error, journal, updatedAt: r.updated_at.toISOString(),
		};
	});
	return {
		queue: queue.name, url: queue.displayUrl, isPaused: settings.isPaused,
		caps: {maxPerHost: settings.maxPerHost ?? null, maxPerUser: settings.maxPerUser ?? null, leaseSeconds: settings.leaseSeconds},
		connectionsInUse: inUse.map((u) => ({host: u.host, user: u.imap_user, connections: Number(u.n)})),
		rows: out, totals,
	};
}

/** The status as text: one line per row, then totals and caps. Pure. */
export function formatFleetStatus(status: FleetStatus): string {
	const lines: string[] = [`Queue ${status.queue} at ${status.url}${status.isPaused ? ' — PAUSED (no new rows start; `mailshift fleet resume`)' : ''}`];
	for (const row of status.rows) {
		const p = row.progress ?? {};
		const rate = typeof p['messagesPerSecond'] === 'number' && row.state === 'running' ? `, ${(p['messagesPerSecond']).toFixed(1)} msg/s` : '';
		const worker = row.worker ? ` on ${row.worker}` : '';
		const journal = `${row.journal.done} done${row.journal.pending ? `, ${row.journal.pending} to check` : ''}${row.journal.failed ? `, ${row.journal.failed} failed` : ''}${row.journal.skipped ? `, ${row.journal.skipped} skipped` : ''}`;
		lines.push(`  ${row.id.padEnd(16)} ${row.state.padEnd(9)} ${journal}${rate}${worker}${row.lastError && row.state !== 'done' ? ` — ${row.lastError}` : ''}`);
	}
	const t = status.totals;
	lines.push(`Rows: ${t.rows} (${t.done} done, ${t.running} running, ${t.queued} queued, ${t.retry} to retry, ${t.failed} failed, ${t.cancelled} cancelled); messages done: ${t.messagesDone}.`);
	const caps = `Connection caps: ${status.caps.maxPerHost ?? 'none'} per server, ${status.caps.maxPerUser ?? 'none'} per user; lease ${status.caps.leaseSeconds} s.`;
	lines.push(caps + (status.connectionsInUse.length ? ` In use: ${status.connectionsInUse.map((u) => `${u.user}@${u.host} ${u.connections}`).join(', ')}.` : ''));
	return `${lines.join('\n')}\n`;
}

/**
 * The rows as `mailshift batch` report rows (report.csv / report.json, batch-report.ts), from the results the
 * workers kept in the database: a finished row as it ended; a row not finished yet as `not-run` (queued,
 * cancelled) or `interrupted` (running or waiting for a retry), with its last error. Pure.
 */
export function fleetReportRows(status: FleetStatus): RowResult[] {
	return status.rows.map((row, index) => {
		const r = row.result ?? {};
		const num = (key: string): number => (typeof r[key] === 'number' ? r[key] : 0);
		const isEnded = row.state === 'done' || row.state === 'failed';
		const exitCode = (isEnded && typeof r['exitCode'] === 'number' ? r['exitCode'] : row.state === 'failed' ? ExitCode.SOME_FAILED : ExitCode.INTERRUPTED) as ExitCodeValue;
		const verify = r['verify'] === 'ok' || r['verify'] === 'failed' ? r['verify'] : 'not-run';
		return {
			id: row.id, row: index + 1, source: row.source, url: row.url,
			status: row.state === 'done' ? 'ok' : row.state === 'failed' ? 'failed' : row.state === 'queued' || row.state === 'cancelled' ? 'not-run' : 'interrupted',
			found: num('found'), uploaded: num('uploaded'), skipped: num('skipped'), failed: num('failed'), bytes: num('bytes'), durationSeconds: num('durationSeconds'),
			verify, verifyDetail: '', exitCode, error: row.state === 'done' ? '' : row.lastError ?? (row.state === 'cancelled' ? 'cancelled' : ''),
			connections: num('connections'), journal: `postgresql:${status.queue}/${row.id}`, fromEarlierRun: false,
			finishedAt: typeof r['finishedAt'] === 'string' ? r['finishedAt'] : row.updatedAt,
		};
	});
}
