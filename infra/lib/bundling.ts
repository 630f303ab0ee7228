/**
 * How a Lambda handler is bundled, in one place: NodejsFunction uses `lambdaBundling`,
 * `pnpm bundle:size` runs esbuild with `esbuildOptions`, so the measured bundle is the deployed one.
 */
import { fileURLToPath } from 'node:url';
import { Runtime } from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';
import { SWAGGER_UI_FILES } from '../../functions/api/src/docs.ts';
import { SWAGGER_UI_FOLDER, swaggerUiDist } from '../../functions/api/src/swagger-ui.ts';

/** The deployable handlers: name → entry file exporting `handler`. */
export const functionEntries = {
  api: fileURLToPath(new URL('../../functions/api/src/lambda.ts', import.meta.url)),
  webhookDispatcher: fileURLToPath(new URL('../../functions/api/src/stream-lambda.ts', import.meta.url)),
  webhookRetrySweeper: fileURLToPath(new URL('../../functions/api/src/sweeper-lambda.ts', import.meta.url)),
  docs: fileURLToPath(new URL('../../functions/api/src/docs-lambda.ts', import.meta.url)),
} as const;

export type FunctionName = keyof typeof functionEntries;

/**
 * The Node every function runs on, and the one esbuild builds for: they move together, and with
 * `engines.node` in package.json (the Node the tests, `pnpm dev` and the benchmarks run on).
 */
export const lambdaRuntime = Runtime.NODEJS_24_X;
export const nodeTarget = 'node24';

/** ESM output has no `require`; some CommonJS dependencies (parts of the AWS SDK) still call it. */
export const esmRequireBanner =
  "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

const shim = (file: string) => fileURLToPath(new URL(`../../functions/api/src/${file}`, import.meta.url));
/**
 * Code that never runs in these functions, replaced: Lambda's credentials come from the environment
 * (the default chain's profiles, SSO and IMDS clients are not bundled), DynamoDB streams no events
 * (the event-stream codec the SDK loads lazily is not either), DynamoDB's opt-in endpoint discovery
 * stays off (its endpoint cache is not bundled), and the OpenAPI document is generated at build
 * time and served by the docs function (the generator is not bundled).
 */
const alias = {
  '@aws-sdk/credential-provider-node': shim('lambda-credentials.ts'),
  '@smithy/core/event-streams': shim('no-event-streams.ts'),
  '@asteasolutions/zod-to-openapi': shim('no-openapi-generator.ts'),
  '@aws-sdk/middleware-endpoint-discovery': shim('no-endpoint-discovery.ts'),
};

/** Prefer packages' ESM builds so tree shaking works on them. */
const mainFields = ['module', 'main'];

/** Everything is bundled, the AWS SDK included: a pinned SDK version and a smaller cold start. */
export const lambdaBundling: BundlingOptions = {
  format: OutputFormat.ESM,
  minify: true,
  sourceMap: true,
  target: nodeTarget,
  externalModules: [],
  mainFields,
  banner: esmRequireBanner,
  esbuildArgs: Object.fromEntries(Object.entries(alias).map(([from, to]) => [`--alias:${from}=${to}`, true])),
};

/** The same build through esbuild's JS API; like NodejsFunction, write it to an `index.mjs` outfile. */
export const esbuildOptions: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  minify: true,
  sourcemap: true,
  target: nodeTarget,
  external: [],
  mainFields,
  alias,
  banner: { js: esmRequireBanner },
};

const swaggerUiCopies = (outputDir: string) =>
  Object.keys(SWAGGER_UI_FILES).map(
    (name) =>
      `cp "${fileURLToPath(new URL(name, swaggerUiDist()))}" "${outputDir}/${SWAGGER_UI_FOLDER}/${name}"`,
  );

/**
 * The docs function's bundling: the common one, then Swagger UI's files copied beside the code (its
 * page loads them from Polku, never from a CDN). `pnpm bundle:size` and the bundle test run the same commands.
 */
export const docsBundling: BundlingOptions = {
  ...lambdaBundling,
  commandHooks: {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (_inputDir, outputDir) => [
      `mkdir -p "${outputDir}/${SWAGGER_UI_FOLDER}"`,
      ...swaggerUiCopies(outputDir),
    ],
  },
};
