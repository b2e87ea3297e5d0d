// node-postgres against a running driftdb-server: the extended protocol with text
// parameters, types, errors and a transaction. Usage: node compat.js HOST PORT.
// Prints "ok", or exits non-zero with the failing check.
const assert = require('node:assert/strict');
const { Client } = require('pg');

(async () => {
  const client = new Client({ host: process.argv[2], port: +process.argv[3], user: 'driftdb', database: 'driftdb' });
  await client.connect();
  await client.query('CREATE TABLE node_items (id BIGINT PRIMARY KEY, name TEXT, price NUMERIC(10,2), at TIMESTAMPTZ, ok BOOLEAN)');
  const at = new Date('2025-01-02T03:04:05Z');
  await client.query('INSERT INTO node_items VALUES ($1, $2, $3, $4, $5)', [1, "it's", '9.50', at, true]);
  const { rows, rowCount } = await client.query('SELECT id, name, price, at, ok FROM node_items WHERE id = $1', [1]);
  assert.equal(rowCount, 1);
  assert.deepEqual(rows, [{ id: '1', name: "it's", price: '9.50', at, ok: true }]);
  await assert.rejects(client.query('INSERT INTO node_items (id) VALUES ($1)', [1]), { code: '23505' });
  await client.query('BEGIN');
  await client.query('UPDATE node_items SET price = price * 2 WHERE id = 1');
  await client.query('COMMIT');
  assert.deepEqual((await client.query('SELECT price FROM node_items')).rows, [{ price: '19.00' }]);
  await client.end();
  console.log('ok');
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
