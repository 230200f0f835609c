/// <reference types="vitest" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The output directory is chosen by crates/ui/build.rs (`--outDir $OUT_DIR/dist`).
export default defineConfig({
  plugins: [react()],
  base: '/',
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    sourcemap: false,
    chunkSizeWarningLimit: 2000,
  },
  server: {
    proxy: { '/api': process.env.HOOKFLOW_DEV_API ?? 'http://127.0.0.1:7071' },
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
