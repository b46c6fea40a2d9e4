import { bindNamed } from './named-sql';

describe('bindNamed', () => {
  it('numbers the names a statement uses, reuses a repeated one and leaves casts alone', () => {
    expect(bindNamed('SELECT :b::date, :a, :b', { a: 1, b: '2024-01-01', unused: true })).toEqual({
      text: 'SELECT $1::date, $2, $1',
      values: ['2024-01-01', 1],
    });
  });

  it('refuses a name without a value', () => {
    expect(() => bindNamed('SELECT :missing', {})).toThrow(':missing has no value');
  });
});
