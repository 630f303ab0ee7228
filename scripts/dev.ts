/**
 * `pnpm dev`: the local stack (packages/devstack/src/stack.ts) on PORT (default 3000), its data under
 * .data/ (or --data-dir, or in memory with --in-memory). Ctrl-C stops it all.
 */
import { parseArgs } from 'node:util';
import { DUE_PROJECTIONS_INTERVAL_MS, SWEEP_INTERVAL_MS, startDevStack } from '@polku/devstack';

const { values } = parseArgs({
  options: {
    'in-memory': { type: 'boolean', default: false },
    'data-dir': { type: 'string', default: process.env.POLKU_DATA_DIR ?? '.data' },
  },
});
const started = performance.now();
const port = Number(process.env.PORT ?? 3000);
const inMemory = values['in-memory'];
const dataDir = values['data-dir'];

let stack: Awaited<ReturnType<typeof startDevStack>>;
try {
  stack = await startDevStack({ dataDir, port, inMemory });
} catch (error) {
  process.stderr.write(`pnpm dev failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
}

const out = (line = '') => process.stdout.write(`${line}\n`);
const seconds = (ms: number) => `${ms / 1000} s`;
out();
out(`Polku API      http://localhost:${stack.port}   (docs: http://localhost:${stack.port}/docs)`);
out(
  `DynamoDB Local ${stack.dynamoEndpoint}   table "${stack.tableName}" ${stack.table}, ${inMemory ? 'in memory' : `data in ${dataDir}`}`,
);
out(`Demo tenant    ${stack.seeded ? 'seeded' : 'reused'}; credentials in ${stack.credentialsFile}:`);
for (const [role, { clientId, clientSecret }] of Object.entries(stack.credentials)) {
  out(`  ${role.padEnd(13)} client_id=${clientId}  client_secret=${clientSecret}`);
}
out(`Operator       credentials in ${stack.operatorFile}:`);
out(
  `  ${'operator'.padEnd(13)} client_id=${stack.operator.clientId}  client_secret=${stack.operator.clientSecret}`,
);
out(
  `Webhooks       dispatched from the table's stream, retries swept every ${seconds(SWEEP_INTERVAL_MS)} (loopback receivers allowed)`,
);
out(
  `Metrics        projected from the table's stream, due projections every ${seconds(DUE_PROJECTIONS_INTERVAL_MS)}; check them with pnpm metrics:reconcile`,
);
out(
  `Ready in ${((performance.now() - started) / 1000).toFixed(1)} s. Ctrl-C stops the API, the dispatcher, the projector and DynamoDB Local.`,
);
out();

const shutdown = () => {
  void stack.stop().finally(() => process.exit(0));
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
