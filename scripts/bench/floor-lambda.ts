/**
 * The cold-start floor: a Lambda that does only what the API's participant read cannot avoid. Its
 * DynamoDB client is made the way @polku/storage's createDb makes it in Lambda, and it sends the
 * one GetItem the API sends for that read (BENCH_GET_INPUT, recorded from the API itself).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, type GetCommandInput } from '@aws-sdk/lib-dynamodb';

const doc = DynamoDBDocumentClient.from(
  new DynamoDBClient({ region: process.env.AWS_REGION ?? 'eu-north-1', maxAttempts: 4 }),
  { marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false } },
);
const input = JSON.parse(process.env.BENCH_GET_INPUT ?? '{}') as GetCommandInput;

export const handler = async () => {
  const { Item } = await doc.send(new GetCommand(input));
  return {
    statusCode: Item ? 200 : 404,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(Item ?? { title: 'not found' }),
    isBase64Encoded: false,
  };
};
