import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { Queue } from 'bullmq';
import type { Request, RequestHandler } from 'express';
import type Redis from 'ioredis';
import { type InboundPayload, QueueName } from '@comeback/contracts';
import { INFRASTRUCTURE_OPTIONS, type InfrastructureOptions, REDIS } from '@comeback/platform';

/**
 * The console's policy with two changes Bull Board's page needs: its `<base href>` (base-uri
 * 'self' instead of 'none') and the inline styles its bundled UI applies. Scripts still come from
 * this app only; its web font (Google Fonts) stays blocked, so the dashboard works offline.
 */
const DASHBOARD_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'; object-src 'none'";

/*
 * Who sees it: BullMQ's queues are shared by every organization of a deployment, most payloads
 * are bare row ids (libs/contracts), and Bull Board shows a queue whole, so the dashboard cannot
 * be cut down to one organization: it shows every organization's jobs (ids, errors, the inbound
 * jobs' sources). It is therefore a deployment permission (viewQueues in DEPLOYMENT_PERMISSIONS):
 * the console guard lets in only admins of an organization that runs the deployment
 * (DeploymentOperators): one listed in QUEUE_DASHBOARD_ORGANIZATIONS, or, with none listed, the
 * only organization of a single-business deployment. Every other admin gets the console's 403
 * page, and no "Queues" link.
 */

/** Where the dashboard is served; the console guard is in front of every path under it. */
export const QUEUE_DASHBOARD_PATH = '/console/queues';

/**
 * Bull Board over every BullMQ queue of the contract (QueueName), on the app's Redis connection and
 * key prefix. Read only: staff see jobs, payloads and errors; retrying, removing or pausing goes
 * through the features that own the work (a dead letter is retried on its console page, which
 * records who did it), not through a generic tool. Its actions are refused by Bull Board itself
 * (readOnlyMode) and, being posts without the console's CSRF token, by the console guard.
 */
@Injectable()
export class QueueDashboard implements OnApplicationShutdown {
  private readonly queues: Queue[];
  private readonly router: RequestHandler;

  constructor(@Inject(REDIS) redis: Redis, @Inject(INFRASTRUCTURE_OPTIONS) infrastructure: InfrastructureOptions) {
    this.queues = Object.values(QueueName).map((name) => new Queue(name, { connection: redis, prefix: infrastructure.redisPrefix }));
    // Connection errors are the app's REDIS client's to report; BullMQ would print each otherwise.
    for (const q of this.queues) q.on('error', () => undefined);
    const server = new ExpressAdapter();
    server.setBasePath(QUEUE_DASHBOARD_PATH);
    createBullBoard({
      queues: this.queues.map((q) => {
        const adapter = new BullMQAdapter(q, { readOnlyMode: true });
        // Inbound jobs carry the provider's request (the client's number and words): shown as
        // source, key and time only. Every other payload is ids (libs/contracts).
        if (q.name === QueueName.Inbound) adapter.setFormatter('data', (data: InboundPayload) => ({ source: data?.source, key: data?.key, receivedAt: data?.receivedAt, payload: '[not shown]' }));
        return adapter;
      }),
      serverAdapter: server,
      options: { uiConfig: { boardTitle: 'Comeback queues' } },
    });
    this.router = server.getRouter() as RequestHandler;
  }

  /** Serves one request already let through by the console guard (its URL relative to the dashboard). */
  handle(req: Request, res: Parameters<RequestHandler>[1], next: Parameters<RequestHandler>[2]): void {
    req.url = req.url.slice(QUEUE_DASHBOARD_PATH.length) || '/';
    res.setHeader('Content-Security-Policy', DASHBOARD_CSP);
    void this.router(req, res, next);
  }

  async onApplicationShutdown(): Promise<void> {
    // The connection is the app's (shared): closing the queues leaves it open.
    await Promise.all(this.queues.map((q) => q.close().catch(() => undefined)));
  }
}
