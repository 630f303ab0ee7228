/**
 * `pnpm ship --stage <stage> --region <region> [--yes]`: deploys exactly one stack,
 * `Polku-<stage>-<region>`, with the CDK CLI the project pins. Both are required, so no command
 * deploys every stage at once; an unknown stage or region fails before anything is built.
 * (`pnpm deploy` is pnpm's own command, hence the name.)
 */
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { deploymentsFor } from '../infra/config/stages.ts';

const { values } = parseArgs({
  options: {
    stage: { type: 'string' },
    region: { type: 'string' },
    yes: { type: 'boolean', default: false },
  },
});
if (!values.stage || !values.region) {
  process.stderr.write('usage: pnpm ship --stage <stage> --region <region> [--yes]\n');
  process.exit(2);
}
let stackName = '';
try {
  stackName = deploymentsFor({ stage: values.stage, region: values.region })[0]?.stackName ?? '';
} catch (error) {
  process.stderr.write(`pnpm ship: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
}
const args = [
  'exec',
  'cdk',
  'deploy',
  stackName,
  '-c',
  `stage=${values.stage}`,
  '-c',
  `region=${values.region}`,
  // Ask before anything widens access (IAM, security groups) unless told --yes.
  '--require-approval',
  values.yes ? 'never' : 'broadening',
];
process.stdout.write(`deploying ${stackName}\n`);
const result = spawnSync('pnpm', args, { stdio: 'inherit' });
process.exit(result.status ?? 1);
