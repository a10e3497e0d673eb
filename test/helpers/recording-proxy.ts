/**
 * Test helper: a loopback proxy in front of a server that keeps every byte each side sent, to check what went
 * over the wire (the test's own small sessions only: nothing is bounded).
 */
import {connect, createServer} from 'node:net';
import type {AddressInfo, Socket} from 'node:net';

export async function recordingProxy(targetPort: number): Promise<{port: number; client: Buffer[]; server: Buffer[]; close(): void}> {
	const client: Buffer[] = [];
	const server: Buffer[] = [];
	const sockets = new Set<Socket>();
	const listener = createServer((inbound) => {
		const outbound = connect(targetPort, '127.0.0.1');
		for (const s of [inbound, outbound]) {
			sockets.add(s);
			s.on('error', () => undefined);
			s.on('close', () => sockets.delete(s));
		}
		inbound.on('data', (chunk: Buffer) => {
			client.push(chunk);
			outbound.write(chunk);
		});
		outbound.on('data', (chunk: Buffer) => {
			server.push(chunk);
			inbound.write(chunk);
		});
		inbound.on('end', () => outbound.end());
		outbound.on('end', () => inbound.end());
	});
	await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
	return {port: (listener.address() as AddressInfo).port, client, server, close: () => {
		for (const s of sockets) s.destroy();
		listener.close();
	}};
}
