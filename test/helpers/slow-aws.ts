import { createServer, type IncomingMessage, request } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What the endpoint does with one request: pass it to the stand-in (at once, or after `lateMs`), hold it unanswered, or drop its connection. */
export type SlowAwsAnswer = 'forward' | 'hold' | 'drop' | { lateMs: number };

export interface SlowAws {
  url: string;
  /** How many requests it holds unanswered now. */
  held: () => number;
  /** Decides what happens to the requests from now on. */
  answerWith: (decide: (request: IncomingMessage) => SlowAwsAnswer) => void;
  close: () => Promise<void>;
}

/** The operation a request asks for: SSM's X-Amz-Target, or Lambda's Invoke path. */
export function operationOf(request: IncomingMessage): string {
  const target = request.headers['x-amz-target'];
  if (typeof target === 'string') return target.split('.')[1] ?? target;
  return /\/functions\/[^/]+\/invocations$/.test(request.url ?? '') ? 'Invoke' : '';
}

/**
 * A local AWS endpoint in front of `target` (the sandbox backend) that makes chosen calls look
 * as a slow or broken AWS does to the client: it accepts the connection and the request and
 * never answers ('hold'), or closes the connection at once ('drop'); the rest it forwards.
 */
export async function startSlowAws(target: string): Promise<SlowAws> {
  let decide: (request: IncomingMessage) => SlowAwsAnswer = () => 'forward';
  const held = new Set<IncomingMessage>();
  const sockets = new Set<Socket>();
  const server = createServer((incoming, outgoing) => {
    const answer = decide(incoming);
    if (answer === 'hold') {
      held.add(incoming);
      incoming.on('close', () => held.delete(incoming));
      return;
    }
    if (answer === 'drop') {
      incoming.socket.destroy();
      return;
    }
    // Read whole before forwarding: a late request still reaches the stand-in after its caller gave up, as it would reach AWS.
    const body: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => body.push(chunk));
    incoming.on('end', () => {
      setTimeout(() => {
        const forwarded = request(`${target}${incoming.url ?? '/'}`, { method: incoming.method, headers: incoming.headers }, (response) => {
          outgoing.writeHead(response.statusCode ?? 502, response.headers);
          response.pipe(outgoing);
        });
        forwarded.on('error', (error) => outgoing.destroy(error));
        forwarded.end(Buffer.concat(body));
      }, typeof answer === 'object' ? answer.lateMs : 0);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    held: () => held.size,
    answerWith: (next) => {
      decide = next;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

export interface FunctionsStandIn {
  url: string;
  /** The payloads of the invocations it ran, in order. */
  payloads: unknown[];
  close: () => Promise<void>;
}

/** What the sandbox backend's Lambda Invoke runs the functions in (serverless-offline there): here, functions that succeed and record their payloads. */
export async function startFunctionsStandIn(): Promise<FunctionsStandIn> {
  const payloads: unknown[] = [];
  const server = createServer((incoming, outgoing) => {
    let body = '';
    incoming.on('data', (chunk: Buffer) => (body += chunk.toString()));
    incoming.on('end', () => {
      payloads.push(JSON.parse(body || 'null'));
      outgoing.writeHead(200, { 'content-type': 'application/json' });
      outgoing.end('null');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    payloads,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
