import type { Server, ServerResponse } from 'node:http';
import { type BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';

/**
 * How long, in seconds, an app's HTTP server may take to close on SIGTERM: the requests in
 * progress finish, the longest being an ingestion request of 10,000 records (up to 20 MB of JSON,
 * one transaction: seconds on the benchmark machine) or a CSV export. A pod's
 * terminationGracePeriodSeconds covers this plus its longest job (k8s/base; tests/deploy checks
 * it against each app's declared job durations).
 */
export const HTTP_DRAIN_SECONDS = 20;

/**
 * Lets the HTTP server finish closing on SIGTERM. Nest closes it after the before-shutdown hooks
 * (`server.close()`: no new connections, requests in progress finish), but a keep-alive
 * connection that keeps bringing requests (a load balancer, a provider sending webhooks by the
 * thousand) is never idle, so the close would wait for ever and the app would be killed at the end
 * of its grace period, cutting whatever was in progress. From here on every response says
 * `Connection: close`, so each connection ends after the request it is serving.
 *
 * Added at shutdown rather than at start: the response collector's lean path requires the server
 * to have Express as its only request listener when it starts.
 */
@Injectable()
export class HttpDrain implements BeforeApplicationShutdown {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  beforeApplicationShutdown(): void {
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    server?.prependListener('request', (_req, res: ServerResponse) => {
      if (!res.headersSent) res.setHeader('Connection', 'close');
    });
  }
}
