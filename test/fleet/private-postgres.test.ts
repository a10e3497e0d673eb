import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import pg from 'pg';
import {postgresSkipReason, startPostgres} from '../helpers/postgres.js';
import type {PrivatePostgres} from '../helpers/postgres.js';

const skip = postgresSkipReason();

describe('private PostgreSQL cluster (test helper)', {skip}, () => {
	let server: PrivatePostgres;
	before(async () => {
		server = await startPostgres();
	});
	after(async () => {
		await server?.stop();
	});

	it('accepts a password login on loopback and refuses a wrong password', async () => {
		const client = new pg.Client({connectionString: server.url()});
		await client.connect();
		const {rows} = await client.query<{n: number}>('SELECT 1 + 1 AS n');
		assert.equal(rows[0]?.n, 2);
		await client.end();
		const wrong = new pg.Client({connectionString: server.url().replace(encodeURIComponent(server.password), 'nope')});
		await assert.rejects(wrong.connect(), /password authentication failed/);
	});

	it('restarts on the same port with a new postmaster, keeping the data', async () => {
		await server.createDatabase('kept');
		await server.psql('kept', 'CREATE TABLE t (v int); INSERT INTO t VALUES (42)');
		const before = server.pid();
		await server.restart();
		assert.notEqual(server.pid(), before);
		assert.equal((await server.psql('kept', 'SELECT v FROM t')).trim(), '42');
		assert.match(await server.dump('kept'), /CREATE TABLE public\.t/);
	});
});
