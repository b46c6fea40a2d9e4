import { type ArgumentMetadata, BadRequestException, Injectable, Module, type PipeTransform } from '@nestjs/common';
import { APP_PIPE } from '@nestjs/core';

/** Deeper than any body of ours; a deeper one is not searched further (the handler's own validation refuses it). */
const MAX_DEPTH = 32;

/**
 * Where the first U+0000 (NUL) is in a parsed body, query or parameter: a dotted path
 * (`records.3.name`), '' for the value itself, or null when there is none.
 */
export function findNul(value: unknown, path = '', depth = 0): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return null;
  for (const [key, item] of Object.entries(value)) {
    const at = path ? `${path}.${key}` : key;
    if (key.includes('\u0000')) return at;
    const found = findNul(item, at, depth + 1);
    if (found !== null) return found;
  }
  return null;
}

/**
 * PostgreSQL's text and jsonb cannot hold U+0000: a name, note or template with one got as far as
 * the INSERT and failed there, a 500. Every body, query and route parameter a handler takes is
 * checked first; one with a NUL is bad input, a 400 naming the field.
 */
@Injectable()
export class NulFreeInputPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'custom') return value;
    const at = findNul(value);
    if (at === null) return value;
    const field = [metadata.data, at].filter(Boolean).join('.') || metadata.type;
    const message = `${field}: contains U+0000 (a NUL character), which text cannot hold`;
    throw new BadRequestException({ error: 'INVALID_INPUT', message, field, problems: [{ field, message: 'contains U+0000 (a NUL character), which text cannot hold' }] });
  }
}

/** Imported by the apps whose handlers write what they are sent to PostgreSQL (the console and the APIs). */
@Module({ providers: [{ provide: APP_PIPE, useClass: NulFreeInputPipe }] })
export class NulFreeInputModule {}
