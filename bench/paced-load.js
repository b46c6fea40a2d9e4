#!/usr/bin/env node
// The load generator of `npm run bench -- load`: a steady, open-loop rate, in its own process.
// One argument, a JSON job: { kind, baseUrl, rate, duration, sockets, ... } plus what
// bench/load-requests.js needs for that kind.
//
// Why not autocannon here: its fixed rate sends each second's quota at once, at the start of the
// second, so it measures bursts. This one schedules request i at start + i / rate and measures
// each latency from that scheduled time, not from when it could be sent: a slow answer that holds
// the sockets up delays the requests behind it, and their wait is counted (no coordinated
// omission). Every request is built before the clock starts. It prints one JSON line: counts by
// status, errors, timeouts, latency percentiles, and the rate achieved.
const http = require('node:http');
const { buildRequests } = require('./load-requests');

const job = JSON.parse(process.argv[2]);
const total = Math.round(job.rate * job.duration);
const requests = buildRequests(job, total);
const base = new URL(job.baseUrl);
const agent = new http.Agent({ keepAlive: true, maxSockets: job.sockets ?? 64 });
const TIMEOUT_MS = 10_000;

const latencies = new Float64Array(total);
/** Each answered request's latency by the second it was scheduled in: where the slow ones came from (a stall or all along). */
const bySecond = Array.from({ length: Math.ceil(job.duration) }, () => []);
const codes = {};
let answered = 0;
let errors = 0;
let timeouts = 0;
let sent = 0;
let settled = 0;

function send(i, scheduledAt) {
  const r = requests[i];
  const body = r.body === undefined ? undefined : Buffer.from(r.body);
  const req = http.request(
    {
      agent,
      host: base.hostname,
      port: base.port,
      method: r.method,
      path: r.path,
      headers: { ...r.headers, ...(body ? { 'content-length': body.length } : {}) },
      timeout: TIMEOUT_MS,
    },
    (res) => {
      res.resume();
      res.on('end', () => {
        const latency = performance.now() - scheduledAt;
        latencies[answered++] = latency;
        bySecond[Math.min(bySecond.length - 1, Math.floor(i / job.rate))].push(latency);
        codes[res.statusCode] = (codes[res.statusCode] ?? 0) + 1;
        done();
      });
    },
  );
  let timedOut = false;
  req.on('timeout', () => {
    timedOut = true;
    timeouts++;
    req.destroy(new Error('timeout'));
  });
  req.on('error', () => {
    if (!timedOut) errors++;
    done();
  });
  req.end(body);
}

const startedAt = performance.now();
let finishedSendingAt = 0;
function done() {
  if (++settled === total) report();
}

// Every millisecond, send whatever is due by now.
const ticker = setInterval(() => {
  const due = Math.min(total, Math.floor(((performance.now() - startedAt) / 1000) * job.rate) + 1);
  while (sent < due) {
    send(sent, startedAt + (sent / job.rate) * 1000);
    sent++;
  }
  if (sent === total) {
    clearInterval(ticker);
    finishedSendingAt = performance.now();
  }
}, 1);

function percentile(sorted, p) {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function report() {
  const sorted = latencies.slice(0, answered).sort();
  const seconds = (performance.now() - startedAt) / 1000;
  const twoxx = Object.entries(codes).reduce((n, [code, c]) => (code.startsWith('2') ? n + c : n), 0);
  const round = (v) => Math.round(v * 10) / 10;
  process.stdout.write(
    `${JSON.stringify({
      kind: job.kind,
      offered: total,
      offeredRate: job.rate,
      sendingSeconds: round((finishedSendingAt - startedAt) / 1000),
      seconds: round(seconds),
      answered,
      twoxx,
      non2xx: answered - twoxx,
      errors,
      timeouts,
      codes,
      perSecond: round(twoxx / seconds),
      latency: { p50: round(percentile(sorted, 50)), p90: round(percentile(sorted, 90)), p99: round(percentile(sorted, 99)), max: round(sorted[sorted.length - 1] ?? 0) },
      // The three seconds with the highest p99: a tail made of a few stalls shows here.
      worstSeconds: bySecond
        .map((l, second) => ({ second, p99: round(percentile(l.sort((a, b) => a - b), 99)) }))
        .sort((a, b) => b.p99 - a.p99)
        .slice(0, 3),
    })}\n`,
  );
  agent.destroy();
}
