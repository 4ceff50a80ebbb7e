import { defineConfig } from "vite";
import { VitePWA } from "vite-plugin-pwa";

export default defineConfig({
  build: { target: "es2022", sourcemap: false },
  server: { proxy: { "/api": "http://127.0.0.1:8080" } },
  plugins: [
    VitePWA({
      registerType: "autoUpdate",
      injectRegister: false,
      includeAssets: ["icon.svg"],
      manifest: {
        name: "Fieldlog",
        short_name: "Fieldlog",
        description: "Log every SRO-student interaction, offline, encrypted on the phone.",
        start_url: "/",
        scope: "/",
        display: "standalone",
        orientation: "portrait",
        background_color: "#ffffff",
        theme_color: "#0b3d91",
        icons: [
          { src: "icon-192.png", sizes: "192x192", type: "image/png" },
          { src: "icon-512.png", sizes: "512x512", type: "image/png" },
          { src: "icon-512.png", sizes: "512x512", type: "image/png", purpose: "maskable" },
        ],
      },
      workbox: {
        // A fresh install takes over the open page at once, so the very first
        // visit is already offline-capable.
        clientsClaim: true,
        skipWaiting: true,
        globPatterns: ["**/*.{js,css,html,wasm,svg,png,webmanifest}"],
        // Charts serve the desk views, which need the network anyway; an
        // officer's phone should not download them in the background.
        globIgnores: ["**/chart-*.js"],
        // The domain core (wasm) is larger than Workbox's default 2 MB limit allows for.
        maximumFileSizeToCacheInBytes: 4 * 1024 * 1024,
        navigateFallback: "/index.html",
        // The API is never cached by the service worker: records live in
        // IndexedDB, encrypted, and API answers carry student data. The
        // server's public pages (/public/: the complaint form) are its own,
        // never the app's shell, even on a staff member's phone.
        navigateFallbackDenylist: [/^\/api\//, /^\/metrics/, /^\/healthz/, /^\/public\//],
        runtimeCaching: [],
      },
    }),
  ],
});
