import { assertHandlers, ContractMismatchError } from './handler-check';
import { consumersOf, EVENT_SUBSCRIPTIONS, EventConsumer, EventName } from './events';
import { JOB_QUEUE, JobName, jobsOfQueue, QueueName } from './queues';

describe('contract checks', () => {
  it('accept exactly one handler per expected name', () => {
    expect(() => assertHandlers('q', ['a', 'b'], ['b', 'a'])).not.toThrow();
  });

  it('name a missing handler, a doubled one and an unexpected one', () => {
    let error: unknown;
    try {
      assertHandlers('lapse-sweep', ['a', 'b'], ['a', 'a', 'c']);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ContractMismatchError);
    expect((error as ContractMismatchError).problems).toEqual([
      'lapse-sweep: 2 handlers for "a" (exactly one allowed)',
      'lapse-sweep: no handler for "b"',
      'lapse-sweep: handler for "c", which lapse-sweep is not subscribed to',
    ]);
  });

  it('route every job to a queue and every event to at least one consumer', () => {
    expect(jobsOfQueue(QueueName.LapseSweep).sort()).toEqual(Object.values(JobName).filter((j) => JOB_QUEUE[j] === QueueName.LapseSweep).sort());
    for (const event of Object.values(EventName)) expect(consumersOf(event).length).toBeGreaterThan(0);
    expect(EVENT_SUBSCRIPTIONS[EventConsumer.ClientActivity]).toContain(EventName.ClientReturned);
  });
});
