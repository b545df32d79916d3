import { isSafeNumber, parse } from 'lossless-json'

/**
 * Parses JSON from Meta without losing digits: numbers that a JavaScript `number` cannot hold
 * exactly (such as the documented `user_id` 17841405793187218) are kept as their digit string;
 * all other numbers become `number`s.
 *
 * @param text - The response body.
 * @returns The parsed value.
 * @throws SyntaxError when `text` is not valid JSON (including an empty or truncated body).
 */
export function parseMetaJson(text: string): unknown {
  return parse(text, null, (digits: string) => (isSafeNumber(digits) ? Number(digits) : digits))
}
