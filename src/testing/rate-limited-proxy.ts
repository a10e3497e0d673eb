/**
 * A loopback TCP proxy (127.0.0.1) passing at most `bytesPerSecond` each way over all its connections together
 * (one token bucket per direction, 10 ms ticks, connections served in turn), as a home uplink is shared: a slow
 * link for the bench (bench/speed.ts, bench/compress.ts) and for tests of `--compress auto`. It counts the bytes
 * it passed client→server (`clientBytes`: what the link carried, compressed or not). Bounded: at most 256 KiB
 * queued per connection and direction (the sender is paused beyond that). `close()` ends every connection.
 */
import {createServer, connect} from 'node:net';
import type {Server, Socket} from 'node:net';

export type RateLimitedProxy = {readonly port: number; readonly clientBytes: number; close: () => Promise<void>};

export async function startRateLimitedProxy(targetPort: number, bytesPerSecond: number): Promise<RateLimitedProxy> {
	const sockets = new Set<Socket>();
	type Pipe = {from: Socket; to: Socket; queue: Buffer[]; queued: number};
	const directions = [{pipes: [] as Pipe[], budget: 0, next: 0}, {pipes: [] as Pipe[], budget: 0, next: 0}];
	let last = Date.now();
	let clientBytes = 0;
	const tick = setInterval(() => {
		const now = Date.now();
		const elapsed = Math.min(now - last, 100);
		last = now;
		for (const direction of directions) {
			direction.budget = Math.min(direction.budget + (bytesPerSecond * elapsed) / 1000, bytesPerSecond / 10);
			// Serve the connections with data in turn, one slice each, while the shared budget lasts.
			for (let served = true; served && direction.budget >= 1;) {
				served = false;
				for (let k = 0; k < direction.pipes.length && direction.budget >= 1; k++) {
					const pipe = direction.pipes[(direction.next + k) % direction.pipes.length]!;
					const head = pipe.queue[0];
					if (head === undefined) continue;
					const n = Math.min(head.length, 16 * 1024, Math.floor(direction.budget));
					pipe.to.write(head.subarray(0, n));
					if (direction === directions[0]) clientBytes += n;
					direction.budget -= n;
					pipe.queued -= n;
					if (n === head.length) pipe.queue.shift();
					else pipe.queue[0] = head.subarray(n);
					served = true;
					if (pipe.queued < 256 * 1024 && pipe.from.isPaused()) pipe.from.resume();
				}
				direction.next += 1;
			}
		}
	}, 10);
	const pipeLimited = (from: Socket, to: Socket, direction: (typeof directions)[number]): void => {
		const pipe: Pipe = {from, to, queue: [], queued: 0};
		direction.pipes.push(pipe);
		from.on('data', (d: Buffer) => {
			pipe.queue.push(d);
			pipe.queued += d.length;
			if (pipe.queued >= 256 * 1024) from.pause();
		});
		const end = (): void => {
			direction.pipes.splice(direction.pipes.indexOf(pipe), 1);
			to.end();
		};
		from.once('end', end);
		from.once('error', () => to.destroy());
	};
	const server: Server = createServer((client) => {
		const upstream = connect(targetPort, '127.0.0.1');
		sockets.add(client).add(upstream);
		client.on('close', () => sockets.delete(client));
		upstream.on('close', () => sockets.delete(upstream));
		pipeLimited(client, upstream, directions[0]!);
		pipeLimited(upstream, client, directions[1]!);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const address = server.address();
	const port = typeof address === 'object' && address ? address.port : 0;
	return {
		port,
		get clientBytes() {
			return clientBytes;
		},
		close: () => new Promise<void>((resolve) => {
			clearInterval(tick);
			for (const s of sockets) s.destroy();
			server.close(() => resolve());
		}),
	};
}
