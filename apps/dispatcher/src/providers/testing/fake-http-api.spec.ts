import { FakeHttpApi } from './fake-http-api';

// The provider specs rely on verify() to catch requests nobody checked; these prove it does.
describe('FakeHttpApi', () => {
  let api: FakeHttpApi;

  beforeEach(async () => {
    api = await FakeHttpApi.start();
  });
  afterEach(() => api.close());

  it('answers an expected request and passes verify()', async () => {
    api.expectRequest((request) => {
      expect(request.body).toBe('hello');
      return { status: 201, body: { ok: true } };
    });
    const response = await fetch(`${api.baseUrl}/x`, { method: 'POST', body: 'hello' });
    expect(response.status).toBe(201);
    await expect(response.json()).resolves.toEqual({ ok: true });
    expect(() => api.verify()).not.toThrow();
  });

  it('answers 500 to a request nobody expected, and verify() throws it', async () => {
    const response = await fetch(`${api.baseUrl}/surprise`, { method: 'POST', body: 'x' });
    expect(response.status).toBe(500);
    expect(() => api.verify()).toThrow(/unexpected request: POST \/surprise/);
  });

  it('reports a check that failed inside the server', async () => {
    api.expectRequest((request) => {
      expect(request.path).toBe('/right');
      return { status: 200 };
    });
    await fetch(`${api.baseUrl}/wrong`);
    expect(() => api.verify()).toThrow(/\/right/);
  });

  it('reports an expected request that never came', () => {
    api.expectRequest(() => ({ status: 200 }));
    expect(() => api.verify()).toThrow(/never arrived/);
  });
});
