// One cold start, as Lambda's runtime makes it: import the bundle (init), then one invocation.
// Times are epoch milliseconds on the clock the parent stamps its spawn with, and monotonic µs.
//   node invoke.mjs <bundle> <event JSON file> <result file>
import { readFileSync, writeFileSync } from 'node:fs';

const at = () => performance.timeOrigin + performance.now();
const micros = () => Number(process.hrtime.bigint() / 1000n);
const started = at();
const startedMicros = micros();
const [bundle, eventFile, resultFile] = process.argv.slice(2);
const { handler } = await import(bundle);
const imported = at();
const importedMicros = micros();
const event = JSON.parse(readFileSync(eventFile, 'utf8'));
const context = { awsRequestId: 'cold-start', getRemainingTimeInMillis: () => 10_000 };
const response = await handler(event, context);
const responded = at();
const respondedMicros = micros();
writeFileSync(
  resultFile,
  JSON.stringify({
    started,
    imported,
    responded,
    // On the monotonic clock of V8's CPU profiles (µs), to split a profile into init and first response.
    micros: { started: startedMicros, imported: importedMicros, responded: respondedMicros },
    statusCode: response.statusCode,
  }),
);
process.exit(0);
