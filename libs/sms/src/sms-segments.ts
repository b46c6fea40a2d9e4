import { GSM_EXTENSION, isGsmCharacter } from './gsm-alphabet';

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SmsInfo {
  encoding: SmsEncoding;
  /** Code points (an emoji outside the BMP is 1, a skin-tone emoji is 2: emoji + modifier). */
  characters: number;
  /** Septets for GSM-7 (an extension-table character is 2), UTF-16 code units for UCS-2. */
  units: number;
  segments: number;
  /** Units a segment holds: the single-message limit, or the multipart one once the text needs more. */
  perSegment: number;
  /** Units still free in the last segment (or in the first, for empty text). */
  remainingInSegment: number;
  /** The distinct code points that made the message UCS-2, in order of first appearance. */
  nonGsmCharacters: string[];
}

/**
 * Units per segment. A multipart segment loses 6 octets to the concatenation header (UDH), which
 * leaves 153 septets or 67 UTF-16 units.
 */
const LIMITS: Record<SmsEncoding, { single: number; multipart: number }> = {
  'GSM-7': { single: 160, multipart: 153 },
  'UCS-2': { single: 70, multipart: 67 },
};

/**
 * Encoding, length and segment count of an SMS, as carriers count them. The text is taken as
 * given: callers normalise (NFKC) first, so the count matches what will be sent.
 */
export function smsInfo(text: string): SmsInfo {
  const chars = Array.from(text);
  const nonGsmCharacters = [...new Set(chars.filter((c) => !isGsmCharacter(c)))];
  const encoding: SmsEncoding = nonGsmCharacters.length ? 'UCS-2' : 'GSM-7';
  // A lone surrogate is one code point of one unit, so `c.length` is right for UCS-2 too.
  const costs = chars.map((c) => (encoding === 'GSM-7' ? (GSM_EXTENSION.has(c) ? 2 : 1) : c.length));
  const units = costs.reduce((sum, cost) => sum + cost, 0);
  const { single, multipart } = LIMITS[encoding];
  const base = { encoding, characters: chars.length, units, nonGsmCharacters };

  if (units <= single) {
    return { ...base, segments: units ? 1 : 0, perSegment: single, remainingInSegment: single - units };
  }
  // Phones and carriers never split an escape pair or a surrogate pair between segments: a
  // character that does not fit whole starts the next segment, leaving a unit unused. So the
  // count is a packing, not units / 153 rounded up.
  let segments = 1;
  let used = 0;
  for (const cost of costs) {
    if (used + cost > multipart) {
      segments++;
      used = 0;
    }
    used += cost;
  }
  return { ...base, segments, perSegment: multipart, remainingInSegment: multipart - used };
}
