import { readableLogLine } from './app-supervisor';

describe('the demo shows JSON log lines readably', () => {
  it('turns an app JSON line into time, level, context, message and its request or job', () => {
    const line = JSON.stringify({ level: 'warn', time: '2026-11-22T23:40:05.123Z', app: 'dispatcher', context: 'SendProcessor', message: 'sms 12 failed', queue: 'send-sms', jobId: 'message-12' });
    expect(readableLogLine(line)).toBe('23:40:05 warn  [SendProcessor] sms 12 failed (job send-sms/message-12)');
    const request = JSON.stringify({ level: 'info', time: '2026-11-22T23:40:06.000Z', app: 'report', context: 'http', message: 'GET /console/login 401', correlationId: '0f8fad5b-d9cb-469f-a165-70867728950e' });
    expect(readableLogLine(request)).toBe('23:40:06 info  [http] GET /console/login 401 (request 0f8fad5b)');
  });

  it('leaves anything else as it came', () => {
    expect(readableLogLine('    at Object.<anonymous> (x.ts:1:1)')).toBe('    at Object.<anonymous> (x.ts:1:1)');
    expect(readableLogLine('{"half": ')).toBe('{"half": ');
    expect(readableLogLine('{"other":"json"}')).toBe('{"other":"json"}');
  });
});
