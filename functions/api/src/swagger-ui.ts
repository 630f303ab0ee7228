/**
 * Where swagger-ui-dist's files are on this machine: `pnpm dev` and the tests serve them from here,
 * and the build copies them beside the docs function's code, which serves them in AWS.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';

export const swaggerUiDist = (): URL =>
  pathToFileURL(`${dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'))}/`);

/** The folder beside the docs function's index.mjs that holds the files. */
export const SWAGGER_UI_FOLDER = 'swagger-ui';
