// Placeholder until the API app lands; replaced by the real handler.
export const handler = async () => ({ statusCode: 200, body: 'ok' });
