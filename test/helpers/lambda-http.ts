import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AwsHandler } from '@slack/bolt/dist/receivers/AwsLambdaReceiver';
import { httpApiEvent } from './http-api-event';

/**
 * The functions' bolt handlers behind a local HTTP server on a free port, as API Gateway puts
 * them behind https://…/slack/commands: each request becomes the HTTP API event Lambda gets.
 */
export async function serveHandlers(routes: Record<string, AwsHandler>): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = new URL(request.url ?? '/', 'http://local').pathname;
      const handler = routes[path];
      if (!handler) {
        response.writeHead(404).end('{"message":"Not Found"}');
        return;
      }
      const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, String(value)]));
      handler(httpApiEvent(Buffer.concat(chunks).toString('utf8'), headers, { path }) as never, {}).then(
        (answer) => response.writeHead(answer.statusCode, { 'content-type': 'application/json', ...(answer.headers as Record<string, string> | undefined) }).end(answer.body ?? ''),
        (error: unknown) => response.writeHead(500).end(String(error)),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
