/**
 * `pnpm webhook:receiver`: a partner system's webhook endpoint on the `pnpm dev` stack, for trying
 * webhooks out. It registers itself for an organisation (by default the demo partner's), prints each
 * delivery and whether its signature verifies, and removes its registration when it stops.
 *   pnpm webhook:receiver [--organisation <id>] [--events <type>,…] [--fail-first <n>]   Ctrl-C stops it
 *   pnpm webhook:receiver start [the same options]   the same in the background, back once it listens
 *   pnpm webhook:receiver wait <n> [--timeout <s>]    the background receiver's first n deliveries
 *   pnpm webhook:receiver stop                        stops the background receiver
 */
import { spawn } from 'node:child_process';
import { existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { schemas } from '@polku/domain';
import { verifyPolkuSignature } from './webhook-receiver/signature.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    organisation: { type: 'string' },
    events: { type: 'string', default: schemas.WEBHOOK_EVENT_TYPES.join(',') },
    'fail-first': { type: 'string', default: '0' },
    timeout: { type: 'string', default: '30' },
    api: { type: 'string', default: `http://localhost:${process.env.PORT ?? 3000}` },
    'data-dir': { type: 'string', default: process.env.POLKU_DATA_DIR ?? '.data' },
  },
});
const dataDir = resolve(values['data-dir']);
const stateFile = join(dataDir, 'webhook-receiver.json');
const logFile = join(dataDir, 'webhook-receiver.log');
const [command = 'run', count] = positionals;

interface State {
  pid: number;
  endpointId: string;
}

function fail(message: string): never {
  process.stderr.write(`pnpm webhook:receiver: ${message}\n`);
  process.exit(2);
}

/** Calls the API as the demo tenant_admin (credentials from pnpm dev), with a fresh token each time. */
async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const file = join(dataDir, 'demo-credentials.json');
  if (!existsSync(file)) fail(`no ${file}: start \`pnpm dev\` first`);
  const { clientId, clientSecret } = JSON.parse(readFileSync(file, 'utf8')).tenant_admin;
  const token = await fetch(`${values.api}/v1/oauth/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: clientSecret,
    }),
  }).catch(() => fail(`the API at ${values.api} does not answer: start \`pnpm dev\` first`));
  const { access_token } = (await token.json()) as { access_token?: string };
  if (!access_token) fail(`the demo tenant_admin got no token (${token.status}): restart \`pnpm dev\``);
  const response = await fetch(`${values.api}${path}`, {
    method,
    headers: { Authorization: `Bearer ${access_token}`, 'Content-Type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) fail(`${method} ${path}: ${response.status} ${text}`);
  return { json: text ? JSON.parse(text) : undefined, etag: response.headers.get('etag') ?? '' };
}

/** The demo partner client's organisation: the one the receiver stands for unless told another. */
async function defaultOrganisation(): Promise<string> {
  const { clientId } = JSON.parse(readFileSync(join(dataDir, 'demo-credentials.json'), 'utf8')).partner;
  const { json } = await api('GET', '/v1/clients?limit=100');
  const partner = (json.items as { clientId: string; organisationId?: string }[]).find(
    (client) => client.clientId === clientId,
  );
  return partner?.organisationId ?? fail('the demo partner client is gone: give --organisation <id>');
}

/** Listens, registers, prints each delivery; on SIGINT or SIGTERM removes the registration and exits. */
async function run(): Promise<void> {
  const failFirst = Number(values['fail-first']);
  const organisationId = values.organisation ?? (await defaultOrganisation());
  const { json: organisation } = await api('GET', `/v1/organisations/${organisationId}`);
  let secret = '';
  let deliveries = 0;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      const signed = verifyPolkuSignature(secret, String(request.headers['polku-signature'] ?? ''), body);
      const status = ++deliveries <= failFirst ? 503 : 200;
      response.writeHead(status).end();
      const event = JSON.parse(body) as { type: string; resource: { path: string } };
      const signature = signed ? 'signature verified' : 'SIGNATURE NOT VERIFIED';
      const answer = status === 503 ? `answered 503 (--fail-first ${failFirst})` : 'answered 200';
      process.stdout.write(
        `delivery ${deliveries}: ${event.type} ${event.resource.path}, ${signature}, ${answer}\n`,
      );
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const { json: endpoint } = await api('POST', '/v1/webhooks', {
    organisationId,
    url,
    eventTypes: values.events.split(','),
  });
  secret = endpoint.signingSecret;
  writeFileSync(
    stateFile,
    `${JSON.stringify({ pid: process.pid, endpointId: endpoint.id } satisfies State)}\n`,
  );
  const ready = `endpoint ${endpoint.id} of ${organisation.name} listening on ${url}`;
  process.stdout.write(`${ready}\n`);
  process.send?.({ ready });

  const stop = async () => {
    server.close();
    const { etag } = await api('GET', `/v1/webhooks/${endpoint.id}`);
    await api('DELETE', `/v1/webhooks/${endpoint.id}`, undefined, { 'If-Match': etag });
    rmSync(stateFile, { force: true });
    process.stdout.write(`endpoint ${endpoint.id} deleted\n`);
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

function readState(): State {
  if (!existsSync(stateFile)) fail('no receiver is running in the background: `pnpm webhook:receiver start`');
  return JSON.parse(readFileSync(stateFile, 'utf8')) as State;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Runs the receiver as a detached process logging to webhook-receiver.log; back once it listens. */
async function start(): Promise<void> {
  if (existsSync(stateFile) && alive(readState().pid))
    fail('a receiver is already running: `pnpm webhook:receiver stop`');
  const args = process.argv.slice(2).filter((arg) => arg !== 'start');
  const log = openSync(logFile, 'w');
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, ...args], {
    detached: true,
    stdio: ['ignore', log, log, 'ipc'],
  });
  const ready = await new Promise<string | undefined>((done) => {
    child.once('message', (message: { ready?: string }) => done(message.ready));
    child.once('exit', () => done(undefined));
  });
  if (!ready) fail(`the receiver stopped: ${readFileSync(logFile, 'utf8').trim()}`);
  process.stdout.write(`${ready}\n`);
  child.disconnect();
  child.unref();
}

/** Prints the first n deliveries as they arrive, once Polku has recorded as many attempts. */
async function wait(n: number): Promise<void> {
  const { endpointId } = readState();
  const deadline = Date.now() + Number(values.timeout) * 1000;
  const pause = () => new Promise((done) => setTimeout(done, 100));
  let printed = 0;
  for (;;) {
    const deliveries = readFileSync(logFile, 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('delivery '));
    for (const line of deliveries.slice(printed, n)) process.stdout.write(`${line}\n`);
    printed = Math.min(deliveries.length, n);
    if (printed === n) break;
    if (Date.now() > deadline) fail(`${printed} of ${n} deliveries arrived within ${values.timeout} s`);
    await pause();
  }
  // The sender records an attempt after the answer: wait for it, so the attempts list shows it.
  while ((await api('GET', `/v1/webhooks/${endpointId}/attempts?limit=100`)).json.items.length < n) {
    if (Date.now() > deadline) fail(`Polku recorded fewer than ${n} attempts within ${values.timeout} s`);
    await pause();
  }
}

/** Stops the background receiver, which removes its registration, and prints its last line. */
async function stop(): Promise<void> {
  const { pid } = readState();
  if (alive(pid)) process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 10_000;
  while (alive(pid) && Date.now() < deadline) await new Promise((done) => setTimeout(done, 50));
  if (alive(pid)) fail(`the receiver (pid ${pid}) did not stop`);
  rmSync(stateFile, { force: true });
  process.stdout.write(`${readFileSync(logFile, 'utf8').trim().split('\n').at(-1)}\n`);
}

if (command === 'run') await run();
else if (command === 'start') await start();
else if (command === 'wait') await wait(Number(count ?? fail('wait <n>: how many deliveries')));
else if (command === 'stop') await stop();
else fail(`unknown command ${command}: run, start, wait <n> or stop`);
