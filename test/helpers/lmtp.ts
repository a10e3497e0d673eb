/**
 * A tiny LMTP client (RFC 2033) for tests: delivers one message to one recipient of the private Dovecot, so
 * the recipient's active Sieve script runs exactly as for real incoming mail. Resolves with the final reply
 * line for the recipient (`250 …` delivered, `4xx/5xx` not); rejects on protocol or network errors.
 */
import {connect} from 'node:net';

/** Reads SMTP-style replies (`250-…` continuation lines, `250 …` last line). */
function replyReader(socket: import('node:net').Socket): () => Promise<string> {
	let buffer = '';
	const queue: string[] = [];
	let waiter: (() => void) | undefined;
	let failure: Error | undefined;
	socket.on('data', (chunk: Buffer) => {
		buffer += chunk.toString('utf8');
		let nl: number;
		while ((nl = buffer.indexOf('\n')) >= 0) {
			const line = buffer.slice(0, nl).replace(/\r$/, '');
			buffer = buffer.slice(nl + 1);
			if (/^\d{3} /.test(line) || /^\d{3}$/.test(line)) queue.push(line);
			else if (!/^\d{3}-/.test(line)) failure ??= new Error(`LMTP: unexpected line ${JSON.stringify(line)}`);
		}
		waiter?.();
	});
	socket.on('error', (error) => { failure ??= error; waiter?.(); });
	socket.on('close', () => { failure ??= new Error('LMTP connection closed'); waiter?.(); });
	return async () => {
		for (;;) {
			const line = queue.shift();
			if (line !== undefined) return line;
			if (failure) throw failure;
			await new Promise<void>((resolve) => { waiter = resolve; });
			waiter = undefined;
		}
	};
}

/** Delivers `message` (RFC 5322 text, any line ends) to `recipient` at 127.0.0.1:`port`. */
export async function deliverLmtp(port: number, recipient: string, message: string, sender = 'sender@example.org'): Promise<string> {
	const socket = connect({host: '127.0.0.1', port});
	const next = replyReader(socket);
	const expect = async (code: string, what: string): Promise<string> => {
		const line = await next();
		if (!line.startsWith(code)) throw new Error(`LMTP ${what}: ${line}`);
		return line;
	};
	const send = (line: string): void => { socket.write(`${line}\r\n`); };
	try {
		await expect('220', 'greeting');
		send('LHLO mailshift-test');
		await expect('250', 'LHLO');
		send(`MAIL FROM:<${sender}>`);
		await expect('250', 'MAIL FROM');
		send(`RCPT TO:<${recipient}>`);
		await expect('250', 'RCPT TO');
		send('DATA');
		await expect('354', 'DATA');
		// RFC 5321 §4.5.2 dot-stuffing, CRLF line ends, then the terminating dot.
		const body = message.replace(/\r?\n/g, '\r\n').replace(/\r\n$/, '').split('\r\n').map((l) => (l.startsWith('.') ? `.${l}` : l)).join('\r\n');
		socket.write(`${body}\r\n.\r\n`);
		const final = await next(); // one reply per accepted recipient (RFC 2033 §4.2)
		send('QUIT');
		await next().catch(() => '');
		return final;
	} finally {
		socket.destroy();
	}
}
