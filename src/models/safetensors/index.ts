/**
 * The safetensors format: a strict reader (every header checked before any tensor is
 * allocated) and a float32 writer laid out as the reference implementation does.
 * @packageDocumentation
 */
export { readSafetensors, type ReadSafetensorsOptions, type SafetensorsContents } from './read.js';
export { writeSafetensors, compareCodePoints } from './write.js';
export { parseHeader, MAX_HEADER_BYTES, type SafetensorsHeader, type TensorEntry } from './header.js';
export { DTYPES, isDType, decodeFloatBits, encodeFloat32, type DType, type DTypeReader } from './dtypes.js';
