/** API Gateway's REST proxy event (`/{proxy+}`), as the bundled Lambda handlers receive it. */
export function restProxyEvent(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
) {
  return {
    resource: '/{proxy+}',
    path,
    httpMethod: method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: { proxy: path.slice(1) },
    stageVariables: null,
    requestContext: {
      resourcePath: '/{proxy+}',
      httpMethod: method,
      path: `/prod${path}`,
      stage: 'prod',
      requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      requestTimeEpoch: Date.now(),
      identity: { sourceIp: '203.0.113.7', userAgent: 'polku-test' },
    },
    body: body ?? null,
    isBase64Encoded: false,
  };
}
