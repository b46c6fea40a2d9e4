#!/usr/bin/env node
// The load generator of `npm run bench -- webhooks`, run in its own process so that it does not
// share a CPU event loop with the benchmark or the app. One argument: a JSON job description.
//   { kind: 'sms', url, publicBase, org, token, phones: [..], pool, duration, connections }
//   { kind: 'feedback', url, seed, pool, reasons: [..], duration, connections }
// and optionally rate: requests per second offered in all (autocannon's overallRate).
// Every request is unique (bench/load-requests.js builds them before the clock starts); it prints
// one JSON line with autocannon's figures and how many of the pool were used.
const autocannon = require('autocannon');
const { buildRequests } = require('./load-requests');

const job = JSON.parse(process.argv[2]);
const pool = buildRequests(job, job.pool);

let next = 0;
let exhausted = false;
const instance = autocannon(
  {
    url: job.url,
    connections: job.connections,
    duration: job.duration,
    timeout: 10,
    // A fixed offered rate across all connections when given (else each connection sends as fast as answers come).
    ...(job.rate ? { overallRate: job.rate } : {}),
    requests: [
      {
        setupRequest: (req) => {
          if (next >= pool.length) {
            // Never send a request twice: stop when the pool is used up (sized well above the floor).
            if (!exhausted) {
              exhausted = true;
              setImmediate(() => instance.stop());
            }
            return { ...req, ...pool[pool.length - 1] };
          }
          return { ...req, ...pool[next++] };
        },
      },
    ],
  },
  (err, result) => {
    if (err) {
      console.error(err);
      process.exit(1);
    }
    const codes = {};
    for (const [k, v] of Object.entries(result.statusCodeStats ?? {})) codes[k] = v.count;
    process.stdout.write(
      `${JSON.stringify({
        kind: job.kind,
        used: next,
        exhausted,
        sent: result.requests.sent,
        total: result.requests.total,
        twoxx: result['2xx'],
        non2xx: result.non2xx,
        errors: result.errors,
        timeouts: result.timeouts,
        duration: result.duration,
        latency: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max, mean: result.latency.average },
        requestsPerSecond: result.requests.average,
        codes,
      })}\n`,
    );
  },
);
