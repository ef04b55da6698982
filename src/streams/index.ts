/**
 * streamgrad/streams (under construction: see the project issues).
 * @packageDocumentation
 */
export {};
