/**
 * Stands in for `@asteasolutions/zod-to-openapi` in the API's Lambda bundle (an esbuild alias in
 * infra/lib/bundling.ts). In AWS the OpenAPI document and the docs page are served by the docs
 * function from `functions/api/openapi.json`, generated at build time (`pnpm openapi`), so the API
 * function registers its routes but never generates the document: the 28 KB generator stays out.
 */
export class OpenAPIRegistry {
  /** Route registrations are kept for nothing: no document is generated in this bundle. */
  readonly definitions: never[] = [];
  registerPath(): void {}
  registerWebhook(): void {}
  registerComponent(): void {}
  registerParameter(): void {}
  register<T>(_refId: string, schema: T): T {
    return schema;
  }
}

class NoGenerator {
  generateDocument(): never {
    throw new Error('the OpenAPI document is served by the docs function, not generated in this bundle');
  }
}

export const OpenApiGeneratorV3 = NoGenerator;
export const OpenApiGeneratorV31 = NoGenerator;
export function extendZodWithOpenApi(): void {}
export function getOpenApiMetadata(): Record<string, never> {
  return {};
}
