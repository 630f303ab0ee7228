/**
 * `pnpm secret <command> --file <secret.json>`: the operator's tool for the platform secret, working
 * on a file an operator fetched from (and writes back to) Secrets Manager, as docs/operators.md shows.
 *
 *   init                          a new secret: signing key, cursor key, identity-code key, no operators
 *   add-operator --name <name>    an operator `operator.<name>`; prints its client secret once
 *   remove-operator --name <name>
 *   rotate-signing-key --step prepare|promote|retire
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  generateSecrets,
  type LocalSecrets,
  withOperator,
  withoutOperator,
  withRotatedSigningKey,
} from '@polku/devstack';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { file: { type: 'string' }, name: { type: 'string' }, step: { type: 'string' } },
});
const [command] = positionals;
const file = values.file;

function fail(message: string): never {
  process.stderr.write(`pnpm secret: ${message}\n`);
  process.exit(1);
}

if (!file) fail('give the secret file with --file <path>');
const read = (): LocalSecrets => {
  if (!existsSync(file)) fail(`${file} does not exist`);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LocalSecrets;
  } catch {
    fail(`${file} is not JSON`);
  }
};
const write = (secret: LocalSecrets) =>
  writeFileSync(file, `${JSON.stringify(secret, null, 2)}\n`, { mode: 0o600 });

try {
  switch (command) {
    case 'init': {
      if (existsSync(file)) fail(`${file} exists; init never overwrites a secret`);
      // In AWS, KMS wraps tenants' data keys: the secret holds no wrapping key.
      const { dataKeyWrappingKey: _, ...secret } = await generateSecrets();
      write(secret);
      process.stdout.write(`wrote a new platform secret to ${file}\n`);
      break;
    }
    case 'add-operator': {
      if (!values.name) fail('give the operator a --name');
      const added = await withOperator(read(), values.name);
      write(added.secret);
      process.stdout.write(
        `operator added. Hand these over once; Polku keeps only a hash:\n` +
          `  client_id=${added.clientId}\n  client_secret=${added.clientSecret}\n`,
      );
      break;
    }
    case 'remove-operator': {
      if (!values.name) fail('give the operator a --name');
      write(withoutOperator(read(), values.name));
      process.stdout.write(`operator.${values.name} removed\n`);
      break;
    }
    case 'rotate-signing-key': {
      const step = values.step;
      if (step !== 'prepare' && step !== 'promote' && step !== 'retire') {
        fail('--step is prepare, promote or retire');
      }
      const next = await withRotatedSigningKey(read(), step);
      write(next);
      const kids = next.signingKeys.keys.map((key) => String(key.kid));
      process.stdout.write(`${step}: keys now ${kids.join(', ')} (the first signs)\n`);
      break;
    }
    default:
      fail('commands: init, add-operator, remove-operator, rotate-signing-key');
  }
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
