/**
 * streamgrad/models (under construction: see the project issues).
 * @packageDocumentation
 */
export {};
