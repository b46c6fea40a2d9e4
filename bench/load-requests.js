// The requests the load generators send (bench/webhooks-load.js, bench/paced-load.js), built
// before the clock starts. Every POST is unique: an SMS has its own MessageSid and a valid
// X-Twilio-Signature; a feedback submit uses its own personal link. Pages (GETs) may repeat.
const { createHash, randomBytes } = require('node:crypto');
const twilio = require('twilio');

/** The feedback link token of message `i` of a benchmark data set (the same derivation as the SQL that stored its hash, bench/response-data-set.ts). */
const feedbackToken = (seed, i) => createHash('sha256').update(`${seed}-${i}`).digest('base64url').slice(0, 24);

/** `count` signed inbound texts from the data set's clients (a digit or free text each). */
function smsRequests(job, count) {
  const path = `/webhooks/twilio/sms?org=${job.org}`;
  const signedUrl = `${job.publicBase}${path}`;
  const run = randomBytes(8).toString('hex');
  const bodies = ['1', '2', '3', ' 2 ', 'too expensive', 'moved away'];
  const requests = [];
  for (let i = 0; i < count; i++) {
    const fields = {
      MessageSid: `SM${run}${i.toString(16).padStart(16, '0')}`,
      AccountSid: job.accountSid,
      From: job.phones[i % job.phones.length],
      To: '+995322000000',
      Body: bodies[i % bodies.length],
      NumMedia: '0',
    };
    requests.push({
      method: 'POST',
      path,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(job.token, signedUrl, fields) },
      body: new URLSearchParams(fields).toString(),
    });
  }
  return requests;
}

/** `count` feedback submits, link `first + i` each (a reason, words, a rating). */
function feedbackRequests(job, count, first = 0) {
  const texts = ['', 'prices went up', 'moved to another district', 'waited too long last time'];
  const requests = [];
  for (let i = 0; i < count; i++) {
    const fields = { reason: job.reasons[i % job.reasons.length], text: texts[i % texts.length], rating: String(1 + (i % 5)) };
    requests.push({
      method: 'POST',
      path: `/f/${feedbackToken(job.seed, first + i)}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'accept-language': 'en' },
      body: new URLSearchParams(fields).toString(),
    });
  }
  return requests;
}

/** Feedback pages (GET /f/:token) of `count` links from `first`, in the clients' languages. */
function feedbackPageRequests(job, count, first = 0) {
  const languages = ['en', 'ru', 'ka', 'ar'];
  return Array.from({ length: count }, (_, i) => ({ method: 'GET', path: `/f/${feedbackToken(job.seed, first + i)}`, headers: { 'accept-language': languages[i % languages.length] } }));
}

/** Console pages (GET) of `job.paths` in turn, with the signed-in staff member's session cookie. */
function consoleRequests(job, count) {
  return Array.from({ length: count }, (_, i) => ({ method: 'GET', path: job.paths[i % job.paths.length], headers: { cookie: job.cookie, 'accept-language': 'en' } }));
}

/** The requests of a load job: `job.kind` is sms, feedback, feedback-page or console. */
function buildRequests(job, count) {
  switch (job.kind) {
    case 'sms':
      return smsRequests(job, count);
    case 'feedback':
      return feedbackRequests(job, count, job.firstLink ?? 0);
    case 'feedback-page':
      return feedbackPageRequests(job, count, job.firstLink ?? 0);
    case 'console':
      return consoleRequests(job, count);
    default:
      throw new Error(`unknown load kind ${job.kind}`);
  }
}

module.exports = { buildRequests, feedbackToken };
