/**
 * streamgrad/callbacks (under construction: see the project issues).
 * @packageDocumentation
 */
export {};
