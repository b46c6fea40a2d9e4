import { isUtf8Form, utf8BodyVerifier } from './utf8-body';

describe('UTF-8 bodies', () => {
  it('takes a form whose bytes and escapes are UTF-8, and one with a % that is no escape', () => {
    for (const body of ['name=Ren%C3%A9e', 'name=Renée', 'q=100%', 'q=%2', 'q=%zz&x=1', 'name=%E1%83%9C%E1%83%98%E1%83%9C%E1%83%9D', '']) expect(isUtf8Form(Buffer.from(body))).toBe(true);
  });

  it('refuses a form with Latin-1 escapes or raw bytes that are not UTF-8', () => {
    expect(isUtf8Form(Buffer.from('name=Ren%E9e'))).toBe(false);
    expect(isUtf8Form(Buffer.from('name=%C3'))).toBe(false); // a cut sequence
    expect(isUtf8Form(Buffer.from([0x6e, 0x3d, 0xe9]))).toBe(false);
  });

  it('verifies JSON bytes as a body-parser hook: a 400 error for Latin-1, the raw bytes kept when asked', () => {
    const req: { rawBody?: Buffer } = {};
    const good = Buffer.from('{"name":"Renée"}');
    utf8BodyVerifier('json', true)(req as never, null, good);
    expect(req.rawBody).toBe(good);
    expect(() => utf8BodyVerifier('json', false)({} as never, null, Buffer.from([0x7b, 0xe9, 0x7d]))).toThrow(expect.objectContaining({ status: 400, message: 'the request body is not valid UTF-8' }));
  });
});
