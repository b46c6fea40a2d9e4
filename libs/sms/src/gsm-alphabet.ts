/**
 * The GSM 03.38 default alphabet as Unicode characters, in table order (row by row, 16 septets a
 * row) so it can be checked against the standard's table by eye.
 */
const BASIC_TABLE = [
  '@£$¥èéùìòÇ\nØø\rÅå',
  // 0x1B is the escape to the extension table, not a character: a raw ESC in the text would be
  // sent as an escape and swallow the character after it, so it is left out (and forces UCS-2).
  'Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ',
  ' !"#¤%&\'()*+,-./',
  '0123456789:;<=>?',
  '¡ABCDEFGHIJKLMNO',
  'PQRSTUVWXYZÄÖÑÜ§',
  '¿abcdefghijklmno',
  'pqrstuvwxyzäöñüà',
].join('');

/** Characters reached through the escape septet: each is sent as ESC + septet, so costs 2. */
const EXTENSION_TABLE = '\f^{}\\[~]|€';

export const GSM_BASIC = new Set(Array.from(BASIC_TABLE));
export const GSM_EXTENSION = new Set(Array.from(EXTENSION_TABLE));

export function isGsmCharacter(char: string): boolean {
  return GSM_BASIC.has(char) || GSM_EXTENSION.has(char);
}
