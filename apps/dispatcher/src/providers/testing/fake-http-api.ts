import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the fake API received it. */
export interface ReceivedRequest {
  method: string;
  /** Path and query, e.g. `/2010-04-01/Accounts/AC.../Messages.json`. */
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface FakeReply {
  status: number;
  /** An object is sent as JSON; a string as it is (to send JSON a parser would round, or HTML). */
  body?: unknown;
  headers?: Record<string, string>;
}

/** Keeps the request open without answering, for timeout tests. */
export const NEVER_ANSWER = Symbol('never answer');

/** Checks one request (throwing, e.g. with `expect`, when it is wrong) and says what to answer. */
export type ExpectedRequest = (request: ReceivedRequest) => FakeReply | typeof NEVER_ANSWER;

/**
 * A local HTTP server standing in for a provider's API (127.0.0.1, a free port). Each request
 * must have been announced with `expectRequest`, in order; a request nobody expected, or one
 * whose check throws, is answered 500 and remembered, and `verify()` (call it in afterEach)
 * throws it, together with expectations no request met. So no request goes unchecked.
 */
export class FakeHttpApi {
  readonly received: ReceivedRequest[] = [];
  private readonly expected: ExpectedRequest[] = [];
  private readonly problems: Error[] = [];

  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
  ) {}

  static async start(): Promise<FakeHttpApi> {
    let api: FakeHttpApi | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const request: ReceivedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        const reply = api!.handle(request);
        if (reply === NEVER_ANSWER) return;
        const body = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
        const contentType = typeof reply.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8';
        res.writeHead(reply.status, { 'Content-Type': contentType, ...reply.headers });
        res.end(body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    api = new FakeHttpApi(server, `http://127.0.0.1:${port}`);
    return api;
  }

  expectRequest(expected: ExpectedRequest): void {
    this.expected.push(expected);
  }

  /** Throws what went wrong since the last call, and forgets it (so one test's trouble stays its own). */
  verify(): void {
    const problems = this.problems.splice(0);
    const unmet = this.expected.splice(0);
    if (unmet.length) problems.push(new Error(`${unmet.length} expected request(s) never arrived`));
    if (problems.length === 1) throw problems[0];
    if (problems.length) throw new AggregateError(problems, problems.map((p) => p.message).join('\n---\n'));
  }

  async close(): Promise<void> {
    // Also ends the requests left hanging by NEVER_ANSWER and idle keep-alive sockets.
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((err) => (err ? reject(err) : resolve())));
  }

  private handle(request: ReceivedRequest): FakeReply | typeof NEVER_ANSWER {
    this.received.push(request);
    const expected = this.expected.shift();
    if (!expected) {
      this.problems.push(new Error(`unexpected request: ${request.method} ${request.path}\n${request.body}`));
      return { status: 500, body: { error: 'unexpected request' } };
    }
    try {
      return expected(request);
    } catch (err) {
      this.problems.push(err instanceof Error ? err : new Error(String(err)));
      return { status: 500, body: { error: 'request failed the fake API check' } };
    }
  }
}

/** A port on 127.0.0.1 with nothing listening (found by listening and closing), for refused connections. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
