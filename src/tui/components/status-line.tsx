import {Text} from 'ink';
import type {StatsSnapshot} from '../../engine/stats.js';

/** `hasKeys`: the keys are listened to, so they are listed (see use-is-listening.ts). @default true */
type Props = Readonly<{snapshot: StatsSnapshot; isPaused: boolean; isStopping: boolean; now: number; hasKeys?: boolean}>;

/** One line of state: connections, pause, graceful stop, and the server's throttle countdown. */
export default function StatusLine({snapshot: s, isPaused, isStopping, now, hasKeys = true}: Props) {
	const throttleLeft = s.throttleUntil === undefined ? 0 : Math.ceil((s.throttleUntil - now) / 1000);
	if (isStopping) return <Text color="yellow">Stopping: finishing the uploads in flight, then saving the journal…</Text>;
	if (throttleLeft > 0) return <Text color="yellow">The server asked us to slow down — resuming in {throttleLeft} s</Text>;
	if (isPaused) return <Text color="yellow">Paused — press p to resume (uploads in flight finish first)</Text>;
	const target = s.connectionsTarget === undefined ? '' : ` (asked for ${s.connectionsTarget})`;
	return <Text dimColor>{s.connections} connection{s.connections === 1 ? '' : 's'}{target}{hasKeys ? ' · p pause · +/- connections · q stop · ? help' : ''}</Text>;
}
