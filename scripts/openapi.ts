/**
 * Writes functions/api/openapi.json: the OpenAPI document the API generates from its route
 * definitions. The docs function serves this file in AWS; a test fails when it is out of date.
 *   pnpm openapi
 */
import { writeFile } from 'node:fs/promises';
import { createApp, createConfig } from '@polku/api';
import { generateSecrets } from '@polku/devstack';
import { createDb } from '@polku/storage';

export const OPENAPI_FILE = new URL('../functions/api/openapi.json', import.meta.url);

// The document depends only on the routes; the app is built with throwaway keys and never touches the table.
const config = await createConfig({
  db: createDb({ tableName: 'unused', endpoint: 'http://127.0.0.1:9' }),
  secrets: await generateSecrets(),
  issuer: 'https://polku.invalid',
  log: () => {},
});
const response = await createApp(config).request('/v1/openapi.json');
if (!response.ok) throw new Error(`the API answered ${response.status} for its OpenAPI document`);
await writeFile(OPENAPI_FILE, `${JSON.stringify(await response.json(), null, 2)}\n`);
console.log(`wrote ${OPENAPI_FILE.pathname}`);
