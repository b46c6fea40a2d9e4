import { isOneClick } from './one-click';

describe('one-click unsubscribe (RFC 8058)', () => {
  it('is the List-Unsubscribe=One-Click body or a multipart post; the page\'s own form is not', () => {
    expect(isOneClick('application/x-www-form-urlencoded', { 'List-Unsubscribe': 'One-Click' })).toBe(true);
    expect(isOneClick('multipart/form-data; boundary=x', {})).toBe(true);
    expect(isOneClick('application/x-www-form-urlencoded', {})).toBe(false);
    expect(isOneClick(undefined, undefined)).toBe(false);
  });
});
