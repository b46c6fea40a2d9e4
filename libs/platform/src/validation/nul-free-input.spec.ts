import { BadRequestException } from '@nestjs/common';
import { findNul, NulFreeInputPipe } from './nul-free-input';

describe('NUL-free input', () => {
  it('finds the first U+0000 by its path in bodies, arrays and keys, and nothing in clean values', () => {
    expect(findNul({ records: [{ name: 'Ana' }, { name: 'B\u0000b' }] })).toBe('records.1.name');
    expect(findNul({ ['k\u0000']: 'v' })).toBe('k\u0000');
    expect(findNul('a\u0000')).toBe('');
    expect(findNul({ records: [{ name: 'Ana', tags: ['x', 1, null, true] }] })).toBeNull();
  });

  it('refuses a body, query or parameter with one as 400 naming the field, and passes anything else through', () => {
    const pipe = new NulFreeInputPipe();
    const body = { name: 'Clinic' };
    expect(pipe.transform(body, { type: 'body' })).toBe(body);
    expect(pipe.transform('x\u0000', { type: 'custom' })).toBe('x\u0000');
    const refused = (() => {
      try {
        pipe.transform('a\u0000b', { type: 'query', data: 'q' });
      } catch (err) {
        return err;
      }
    })();
    expect(refused).toBeInstanceOf(BadRequestException);
    expect((refused as BadRequestException).getResponse()).toMatchObject({ error: 'INVALID_INPUT', field: 'q', message: 'q: contains U+0000 (a NUL character), which text cannot hold' });
    expect(() => pipe.transform({ note: 'x\u0000' }, { type: 'body' })).toThrow('note: contains U+0000');
  });
});
