import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/** An API Gateway HTTP API (payload v2) event for POST /slack/commands (or `path`), as Lambda receives it. */
export function httpApiEvent(rawBody: string, headers: Record<string, string>, options: { base64?: boolean; path?: string } = {}): APIGatewayProxyEventV2 {
  const path = options.path ?? '/slack/commands';
  return {
    version: '2.0',
    routeKey: `POST ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers: { host: 'abc123.execute-api.eu-west-1.amazonaws.com', 'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)', ...headers },
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: 'abc123.execute-api.eu-west-1.amazonaws.com',
      domainPrefix: 'abc123',
      http: { method: 'POST', path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.10', userAgent: 'Slackbot 1.0' },
      requestId: 'Jb8XkhW3DoEEJqQ=',
      routeKey: `POST ${path}`,
      stage: '$default',
      time: '28/Nov/2026:10:00:00 +0000',
      timeEpoch: 1_795_860_000_000,
    },
    body: options.base64 ? Buffer.from(rawBody).toString('base64') : rawBody,
    isBase64Encoded: options.base64 ?? false,
  };
}
