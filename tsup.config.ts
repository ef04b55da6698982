import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'ops/index': 'src/ops/index.ts',
    'models/index': 'src/models/index.ts',
    'streams/index': 'src/streams/index.ts',
    'callbacks/index': 'src/callbacks/index.ts',
    'testing/index': 'src/testing/index.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  splitting: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  external: ['rxjs', 'fast-check', 'cli-progress', 'mnist'],
  // import.meta.url in CommonJS output (sources that locate packages use it).
  shims: true,
});
