// The web UI's build. `npm run build` (vite build ui) writes ui/dist, which `tiphys server` serves
// at /. `npx vite ui` serves it with hot reload and forwards the API to a server on :8080.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const api = process.env.TIPHYS_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  base: './',
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 600 },
  server: {
    proxy: {
      '/api': { target: api, changeOrigin: true },
      '/auth': { target: api, changeOrigin: true },
    },
  },
});
