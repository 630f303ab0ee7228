/**
 * Stands in for `@smithy/core/event-streams` in the Lambda bundles (an esbuild alias in
 * infra/lib/bundling.ts). The SDK loads it lazily, only for operations that stream events;
 * DynamoDB has none, so the 15 KB codec is left out and this stub is what a stray use would meet.
 */
function unsupported(): never {
  throw new Error('event streams are not in this bundle: no DynamoDB operation streams events');
}

export class EventStreamSerde {
  constructor() {
    unsupported();
  }
}

export const eventStreamSerdeProvider = unsupported;
