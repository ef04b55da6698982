import { describe, expect, test } from 'vitest';
import { fc, test as prop } from '@fast-check/vitest';
import { JsonCursor, firstInvalidUtf8 } from '../../../src/models/safetensors/json-cursor.js';

function cursorOn(text: string): JsonCursor {
  const bytes = new TextEncoder().encode(text);
  return new JsonCursor(bytes, 0, bytes.length, (at, message) => {
    throw new Error(`${message} at byte ${at}`);
  });
}

function validByTextDecoder(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

describe('JsonCursor', () => {
  test('firstInvalidUtf8 finds overlong forms, surrogates, code points above U+10FFFF and cut sequences', () => {
    const at = (...bytes: number[]) => firstInvalidUtf8(new Uint8Array(bytes), 0, bytes.length);
    expect(at(0x61, 0xe2, 0x82, 0xac)).toBe(-1); // a€
    expect(at(0xf0, 0x9f, 0x98, 0x80)).toBe(-1); // 😀
    expect(at(0x61, 0x62, 0xff)).toBe(2);
    expect(at(0xc0, 0x80)).toBe(0); // overlong NUL
    expect(at(0xe0, 0x80, 0x80)).toBe(0); // overlong
    expect(at(0xed, 0xa0, 0x80)).toBe(0); // U+D800
    expect(at(0xf4, 0x90, 0x80, 0x80)).toBe(0); // U+110000
    expect(at(0x61, 0xe2, 0x82)).toBe(1); // cut at the end
    expect(at(0x80)).toBe(0); // lone continuation byte
  });

  prop.prop(
    [fc.oneof(fc.uint8Array({ maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 6 }).map((s) => new TextEncoder().encode(s)))],
    { numRuns: 40 },
  )('for any bytes, firstInvalidUtf8 agrees with the fatal TextDecoder on validity', (bytes) => {
    expect(firstInvalidUtf8(bytes, 0, bytes.length) === -1).toBe(validByTextDecoder(bytes));
  });

  test('readInteger takes plain non-negative integers up to 2^53 - 1', () => {
    expect(cursorOn('0').readInteger('n')).toBe(0);
    expect(cursorOn('  42 ').readInteger('n')).toBe(42);
    expect(cursorOn('9007199254740991').readInteger('n')).toBe(Number.MAX_SAFE_INTEGER);
  });

  test('readInteger refuses what JSON.parse would round, floats, exponents, negatives and non-numbers', () => {
    expect(() => cursorOn('9007199254740992').readInteger('n')).toThrow(
      'n 9007199254740992 is above 2^53 - 1 = 9007199254740991, beyond what a JavaScript number holds exactly at byte 0',
    );
    expect(() => cursorOn('1'.repeat(60)).readInteger('n')).toThrow(`n ${'1'.repeat(40)}... is above 2^53 - 1`);
    expect(() => cursorOn('1.0').readInteger('n')).toThrow('expected n to be a non-negative integer, found 1.0 at byte 0');
    expect(() => cursorOn('1e3').readInteger('n')).toThrow('expected n to be a non-negative integer, found 1e3');
    expect(() => cursorOn('-0').readInteger('n')).toThrow('expected n to be a non-negative integer, found -0');
    expect(() => cursorOn('01').readInteger('n')).toThrow('invalid JSON number 01 at byte 0');
    expect(() => cursorOn('1.').readInteger('n')).toThrow('invalid JSON number 1.');
    expect(() => cursorOn('true').readInteger('n')).toThrow('expected n to be a non-negative integer, found a boolean at byte 0');
    expect(() => cursorOn('').readInteger('n')).toThrow('found the end of the header');
  });

  test('readString decodes escapes and UTF-8', () => {
    expect(cursorOn('"plain"').readString('s')).toBe('plain');
    expect(cursorOn('"a\\u00e9\\n\\"\\/"').readString('s')).toBe('aé\n"/');
    expect(cursorOn('"héllo 😀"').readString('s')).toBe('héllo 😀');
  });

  test('readString refuses bad escapes, raw control characters, unterminated strings and non-strings', () => {
    expect(() => cursorOn('"a\\x"').readString('s')).toThrow('invalid escape sequence in a string at byte 2');
    expect(() => cursorOn('"\\u12"').readString('s')).toThrow('invalid escape sequence in a string at byte 1');
    expect(() => cursorOn('"a\tb"').readString('s')).toThrow('control character 0x09 in a string (JSON needs it escaped) at byte 2');
    expect(() => cursorOn('"abc').readString('s')).toThrow('unterminated string at byte 0');
    expect(() => cursorOn('"abc\\').readString('s')).toThrow('invalid escape sequence in a string at byte 4');
    expect(() => cursorOn('12').readString('the key')).toThrow('expected the key to be a string, found a number at byte 0');
  });

  test('readObject reports every key in order, duplicates included, with its byte offset', () => {
    const cursor = cursorOn('{ "a": 1, "b": 2, "a": 3 }');
    const seen: [string, number, number][] = [];
    cursor.readObject('o', (key, at) => seen.push([key, at, cursor.readInteger(key)]));
    expect(seen).toEqual([['a', 2, 1], ['b', 10, 2], ['a', 18, 3]]);
  });

  test('readObject names what it expected', () => {
    const cursor = cursorOn('{"a":1 "b":2}');
    expect(() => cursor.readObject('o', () => cursor.readInteger('a'))).toThrow("expected ',' or '}' in o, found a string at byte 7");
    expect(() => cursorOn('{"a" 1}').readObject('o', () => undefined)).toThrow("expected ':' after the key, found a number at byte 5");
    expect(() => cursorOn('[]').readObject('o', () => undefined)).toThrow('expected o to be an object, found an array at byte 0');
  });
});
