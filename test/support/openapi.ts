/**
 * The API's OpenAPI document as the cross-route suites read it: its routes, and request bodies its
 * schemas accept, naming the suite's own records wherever a field takes an id.
 */

/** What the suites read of a schema. */
export interface Schema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  example?: unknown;
  format?: string;
  pattern?: string;
  minimum?: number;
  minItems?: number;
  oneOf?: Schema[];
  anyOf?: Schema[];
  allOf?: Schema[];
}

export interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  schema?: Schema;
}

export interface Operation {
  security?: unknown[];
  description?: string;
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

export interface Route {
  method: string;
  path: string;
  /** The roles the description lists ("Roles: a, b."), when it lists them. */
  roles: readonly string[] | undefined;
  /** No bearer token needed: health, the JWKS, the token endpoint, signup. */
  public: boolean;
  operation: Operation;
}

/** The routes that take a bearer token; with `includePublic`, every route of the document. */
export function routesOf(doc: OpenApiDocument, { includePublic = false } = {}): Route[] {
  return Object.entries(doc.paths).flatMap(([path, operations]) =>
    Object.entries(operations)
      .map(([method, operation]) => ({
        method: method.toUpperCase(),
        path,
        roles: /Roles: ([a-z_, ]+)\./.exec(operation.description ?? '')?.[1]?.split(', '),
        public: (operation.security ?? []).length === 0,
        operation,
      }))
      .filter((route) => includePublic || !route.public),
  );
}

/** The document a schema is read from, and the suite's ids by the field names that take them. */
export interface SampleContext {
  document: OpenApiDocument;
  namedIds: Record<string, string>;
}

export function resolve(schema: Schema | undefined, doc: OpenApiDocument): Schema | undefined {
  if (!schema?.$ref) return schema;
  return resolve(doc.components.schemas[schema.$ref.replace('#/components/schemas/', '')], doc);
}

const PATTERN_SAMPLES = ['x', 'S20168', '10:00', '+358 40 1234567', 'polku-coaches'];
const idNamed = (namedIds: Record<string, string>, name: string) =>
  namedIds[name] ?? (name.endsWith('Ids') ? namedIds[name.slice(0, -1)] : undefined);

/**
 * A body the schema accepts, as far as it can tell, naming the context's records wherever a field
 * takes an id: required fields, every id field, and one field of a patch whose fields are all optional.
 */
export function sampleOf(raw: Schema | undefined, context: SampleContext, name = ''): unknown {
  const schema = resolve(raw, context.document);
  if (!schema) return {};
  const variant = schema.oneOf?.[0] ?? schema.anyOf?.[0] ?? schema.allOf?.[0];
  if (variant) return sampleOf(variant, context, name);
  const type = [schema.type ?? 'object'].flat().find((t) => t !== 'null');
  const id = idNamed(context.namedIds, name);
  if (id && type === 'string') return id;
  if (id && type === 'array') return [id];
  if (schema.enum) return schema.enum[0];
  if (schema.example !== undefined) return schema.example;
  switch (type) {
    case 'object': {
      const properties = Object.keys(schema.properties ?? {});
      const chosen = properties.filter((p) => schema.required?.includes(p) || idNamed(context.namedIds, p));
      if (chosen.length === 0 && properties[0]) chosen.push(properties[0]);
      return Object.fromEntries(chosen.map((p) => [p, sampleOf(schema.properties![p], context, p)]));
    }
    case 'array':
      return Array.from({ length: Math.max(1, schema.minItems ?? 1) }, () =>
        sampleOf(schema.items, context, name),
      );
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return false;
    default:
      if (schema.format === 'date') return '2026-10-01';
      if (schema.format === 'date-time') return '2026-10-06T07:00:00Z';
      if (schema.format === 'email') return 'someone@b.example';
      if (schema.format === 'uri') return 'https://idp.b.example';
      if (schema.pattern) {
        const pattern = new RegExp(schema.pattern);
        return PATTERN_SAMPLES.find((sample) => pattern.test(sample)) ?? 'x';
      }
      return 'x';
  }
}

/** The records the hand-written bodies name. */
export interface BodyIds {
  /** The organisation a partner client is bound to. */
  partnerOrganisationId: string;
  /** The organisation that runs the programme and sends the referral. */
  organisationId: string;
  /** The organisation the referral goes to: the participant's consent covers both. */
  toOrganisationId: string;
  fundingProjectId: string;
  programmeId: string;
  groupId: string;
  participantId: string;
}

/** Bodies, by `METHOD /path` pattern, that the generic sample would get refused before the route looks at their ids. */
export function bodiesFor(ids: BodyIds): Record<string, () => unknown> {
  return {
    'POST /v1/clients': () => ({
      name: 'Intruder',
      role: 'partner',
      organisationId: ids.partnerOrganisationId,
    }),
    'POST /v1/programmes': () => ({
      templateId: 'small-group-coaching',
      organisationId: ids.organisationId,
      fundingProjectId: ids.fundingProjectId,
    }),
    'POST /v1/sessions': () => ({
      programmeId: ids.programmeId,
      groupId: ids.groupId,
      kind: 'group-coaching',
      durationMinutes: 60,
      startsAt: '2026-12-01T08:00:00Z',
    }),
    'PUT /v1/identity-provider': () => ({
      issuer: 'https://login.lieksa.example',
      jwksUri: 'https://login.lieksa.example/jwks.json',
      audience: 'polku',
      roleClaim: 'groups',
      roleMappings: [{ value: 'partners', role: 'partner', organisationId: ids.partnerOrganisationId }],
    }),
    'POST /v1/referrals': () => ({
      participantId: ids.participantId,
      fromOrganisationId: ids.organisationId,
      toOrganisationId: ids.toOrganisationId,
      serviceKind: 'work-try-out',
      needsSummary: 'x',
      desiredStart: '2026-12-01',
    }),
    // An amendment needs a change besides its reason.
    'PATCH /v1/outcomes/{id}': () => ({ hoursPerWeek: 20, reason: 'x' }),
    'POST /v1/sessions/schedule': () => ({
      programmeId: ids.programmeId,
      groupId: ids.groupId,
      kind: 'group-coaching',
      durationMinutes: 60,
      startDate: '2026-12-01',
      time: '10:00',
      phases: [{ frequency: 'weekly', count: 2 }],
    }),
  };
}
