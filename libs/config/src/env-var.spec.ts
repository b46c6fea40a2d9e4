import { COMMON_ENV, redisHashTag } from './env-var';
import { ConfigError, loadConfig } from './load-config';

const load = (env: Record<string, string>) => loadConfig('spec', COMMON_ENV, env);
const problem = (env: Record<string, string>): string => {
  try {
    load(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  return '';
};

describe('REDIS_PREFIX', () => {
  it('takes letters, digits, ":", "_" and "-", with at most one hash tag anywhere in it', () => {
    for (const prefix of ['comeback', 'comeback:eu-1_a', '{comeback}', '{comeback}:eu', 'eu:{comeback}', 'a{b:c}d', '{comeback:send-sms}']) {
      expect(load({ REDIS_PREFIX: prefix }).REDIS_PREFIX).toBe(prefix);
    }
  });

  it('refuses an unbalanced, empty, nested or second tag, and other characters inside or outside one', () => {
    for (const prefix of ['{comeback', 'comeback}', '}comeback{', '{}', 'a{}b', '{{comeback}}', '{a}{b}', '{a}b}', '{com back}', '{com*back}', 'come back', 'comeback*']) {
      expect([prefix, problem({ REDIS_PREFIX: prefix })]).toEqual([prefix, expect.stringContaining('REDIS_PREFIX: letters, digits')]);
    }
  });

  it('finds the hash tag Redis Cluster hashes', () => {
    expect(redisHashTag('{comeback}')).toBe('comeback');
    expect(redisHashTag('eu:{comeback}:x')).toBe('comeback');
    expect(redisHashTag('comeback')).toBeUndefined();
  });
});

describe('REDIS_CLUSTER_NODES', () => {
  it('is unset by default (one Redis at REDIS_URL), and an empty value counts as unset', () => {
    expect(load({}).REDIS_CLUSTER_NODES).toBeUndefined();
    expect(load({ REDIS_CLUSTER_NODES: '' }).REDIS_CLUSTER_NODES).toBeUndefined();
  });

  it('reads comma-separated host:port seed nodes (names, IPv4, bracketed IPv6)', () => {
    const config = load({ REDIS_CLUSTER_NODES: 'redis-0.redis:6379, 10.0.0.2:7000,[::1]:7001,', REDIS_PREFIX: '{comeback}' });
    expect(config.REDIS_CLUSTER_NODES).toEqual([
      { host: 'redis-0.redis', port: 6379 },
      { host: '10.0.0.2', port: 7000 },
      { host: '::1', port: 7001 },
    ]);
  });

  it('refuses a node without a port, a port out of range, and a list of nothing', () => {
    expect(problem({ REDIS_CLUSTER_NODES: 'redis-0', REDIS_PREFIX: '{comeback}' })).toContain('REDIS_CLUSTER_NODES: "redis-0" is not host:port');
    expect(problem({ REDIS_CLUSTER_NODES: 'redis-0:70000', REDIS_PREFIX: '{comeback}' })).toContain('"redis-0:70000" is not host:port');
    expect(problem({ REDIS_CLUSTER_NODES: ' , ', REDIS_PREFIX: '{comeback}' })).toContain('REDIS_CLUSTER_NODES: no host:port in the list');
  });

  it('needs a hash-tagged REDIS_PREFIX, and says which one to use', () => {
    expect(problem({ REDIS_CLUSTER_NODES: 'redis-0:6379' })).toContain(
      'REDIS_PREFIX: REDIS_CLUSTER_NODES is set, so the prefix needs a hash tag ({…}) to keep each queue\'s keys in one cluster slot: use {comeback} (it is not set)',
    );
    expect(problem({ REDIS_CLUSTER_NODES: 'redis-0:6379', REDIS_PREFIX: 'acme:eu' })).toContain('use {acme:eu} (got "acme:eu")');
    expect(problem({ REDIS_CLUSTER_NODES: 'redis-0:6379', REDIS_PREFIX: '{acme}:eu' })).toBe('');
  });

  it('refuses a REDIS_URL that selects a database other than 0, without showing the URL', () => {
    const message = problem({ REDIS_CLUSTER_NODES: 'redis-0:6379', REDIS_PREFIX: '{comeback}', REDIS_URL: 'redis://:s3cret@redis:6379/2' });
    expect(message).toContain('REDIS_CLUSTER_NODES: Redis Cluster has only database 0, and REDIS_URL selects database 2: drop the /2');
    expect(message).not.toContain('s3cret');
    expect(problem({ REDIS_URL: 'redis://redis:6379/2' })).toBe('');
    expect(problem({ REDIS_CLUSTER_NODES: 'redis-0:6379', REDIS_PREFIX: '{comeback}', REDIS_URL: 'rediss://user:pw@redis:6379/0' })).toBe('');
  });
});
