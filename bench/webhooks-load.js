#!/usr/bin/env node
// The load generator of `npm run bench -- webhooks`, run in its own process so that it does not
// share a CPU event loop with the benchmark or the app. One argument: a JSON job description.
//   { kind: 'sms', url, publicBase, org, token, phones: [..], pool, duration, connections }
//   { kind: 'feedback', url, seed, pool, reasons: [..], duration, connections }
// and optionally rate: requests per second offered in all (autocannon's overallRate).
// Every request is unique (a different MessageSid, or a different personal link token) and, for
// Twilio, correctly signed. The pool is precomputed before the clock starts; it prints one JSON
// line with autocannon's figures and how many of the pool were used.
const { createHash, randomBytes } = require('node:crypto');
const autocannon = require('autocannon');
const twilio = require('twilio');

const job = JSON.parse(process.argv[2]);

/** The feedback link token of message `i` of the benchmark (the same derivation as the SQL that stored its hash). */
const feedbackToken = (seed, i) => createHash('sha256').update(`${seed}-${i}`).digest('base64url').slice(0, 24);

const pool = [];
if (job.kind === 'sms') {
  const path = `/webhooks/twilio/sms?org=${job.org}`;
  const signedUrl = `${job.publicBase}${path}`;
  const run = randomBytes(8).toString('hex');
  const bodies = ['1', '2', '3', ' 2 ', 'too expensive', 'moved away'];
  for (let i = 0; i < job.pool; i++) {
    const fields = {
      MessageSid: `SM${run}${i.toString(16).padStart(16, '0')}`,
      AccountSid: job.accountSid,
      From: job.phones[i % job.phones.length],
      To: '+995322000000',
      Body: bodies[i % bodies.length],
      NumMedia: '0',
    };
    pool.push({
      method: 'POST',
      path,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(job.token, signedUrl, fields) },
      body: new URLSearchParams(fields).toString(),
    });
  }
} else {
  const texts = ['', 'prices went up', 'moved to another district', 'waited too long last time'];
  for (let i = 0; i < job.pool; i++) {
    const fields = { reason: job.reasons[i % job.reasons.length], text: texts[i % texts.length], rating: String(1 + (i % 5)) };
    pool.push({
      method: 'POST',
      path: `/f/${feedbackToken(job.seed, i)}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'accept-language': 'en' },
      body: new URLSearchParams(fields).toString(),
    });
  }
}

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
