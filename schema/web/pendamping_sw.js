// SIKS-NG, the pendamping page's service worker (docs/web.md, "Pendamping"), served by the
// node at /web/pendamping-sw.js with scope /web/. The node puts PRECACHE (the page and the
// hashed URLs of the assets) and VERSION above this line. It keeps those for offline use and
// touches nothing else: every other request under /web/ goes to the network as usual.
var PAGE = PRECACHE[0];
var PREFIX = "siks-pendamping-";
var CACHE = PREFIX + VERSION;

async function keepPage(cache, request) {
  var response = await fetch(request, {credentials: "same-origin", cache: "no-store"});
  if (response.ok && !response.redirected && response.type === "basic") {
    await cache.put(PAGE, response.clone());
  }
  return response;
}

self.addEventListener("install", function (event) {
  event.waitUntil((async function () {
    var cache = await caches.open(CACHE);
    await cache.addAll(PRECACHE.slice(1));
    try { await keepPage(cache, PAGE); } catch (error) { /* kept on the next visit */ }
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", function (event) {
  event.waitUntil((async function () {
    var names = await caches.keys();
    await Promise.all(names.filter(function (name) {
      return name.indexOf(PREFIX) === 0 && name !== CACHE;
    }).map(function (name) { return caches.delete(name); }));
    await self.clients.claim();
  })());
});

// The page: from the network when there is one (and kept), else the kept copy.
async function page(request) {
  var cache = await caches.open(CACHE);
  try {
    var response = await fetch(request);
    var url = new URL(request.url);
    if (response.ok && !response.redirected && response.type === "basic" && !url.search) {
      await cache.put(PAGE, response.clone());
    }
    return response;
  } catch (error) {
    return (await cache.match(PAGE)) || Response.error();
  }
}

// An asset: its URL carries its content hash, so a kept copy is the right one.
async function asset(request) {
  var cache = await caches.open(CACHE);
  var kept = await cache.match(request);
  if (kept) { return kept; }
  var response = await fetch(request);
  if (response.ok) { await cache.put(request, response.clone()); }
  return response;
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.method === "POST" && url.pathname === "/web/keluar") {
    // logging out: the kept page (the area's households) goes; the visits not yet sent stay
    event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.delete(PAGE); }));
    return;
  }
  if (request.method !== "GET") { return; }
  if (url.pathname === PAGE && request.mode === "navigate") {
    event.respondWith(page(request));
  } else if (PRECACHE.indexOf(url.pathname + url.search) > 0) {
    event.respondWith(asset(request));
  }
});
