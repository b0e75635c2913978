// SIKS-NG, the pendamping's field visits (docs/web.md, "Pendamping"). Each visit is kept on
// the phone (IndexedDB: the photo, the position, the household, the visit's own UUID) and
// sent when there is a signal: the photo to /web/verifikasi/foto (stored once by its
// SHA-256), then the visit to /web/verifikasi/kunjungan (recordFieldVerification with the
// same UUID, so sending it twice stores it once). Every text comes from the page's data-text-*
// attributes (the web catalogue); no inline script, nothing from another origin.
(function () {
  "use strict";
  var DB_NAME = "siks-pendamping";
  var STORE = "kunjungan";
  var WAITING = "waiting", SENDING = "sending", SENT = "sent", REFUSED = "refused";
  var root, settings, texts, sending = false, sendAgain = false, photo = null;

  function say(key, values) {
    var message = texts[key] || "";
    Object.keys(values || {}).forEach(function (name) {
      message = message.split("{" + name + "}").join(String(values[name]));
    });
    return message;
  }

  // --- the queue in IndexedDB ---------------------------------------------------------------
  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore(STORE, {keyPath: "id"});
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  async function inStore(mode, work) {
    var db = await openDb();
    try {
      return await new Promise(function (resolve, reject) {
        var transaction = db.transaction(STORE, mode);
        var request = work(transaction.objectStore(STORE));
        transaction.oncomplete = function () { resolve(request.result); };
        transaction.onerror = transaction.onabort = function () { reject(transaction.error); };
      });
    } finally {
      db.close();
    }
  }

  async function visits() {
    var list = await inStore("readonly", function (store) { return store.getAll(); });
    return list.sort(function (a, b) { return a.savedAt < b.savedAt ? -1 : 1; });
  }

  function keep(visit) {
    return inStore("readwrite", function (store) { return store.put(visit); });
  }

  // A visit left "sending" when the page was closed mid-way waits again.
  async function interrupted() {
    var list = await visits();
    for (var i = 0; i < list.length; i += 1) {
      if (list[i].state === SENDING) {
        list[i].state = WAITING;
        await keep(list[i]);
      }
    }
  }

  function forget(id) {
    return inStore("readwrite", function (store) { return store.delete(id); });
  }

  // --- the photo: a JPEG within the node's limit ----------------------------------------------
  function canvasOf(bitmap, longest) {
    var scale = Math.min(1, longest / Math.max(bitmap.width, bitmap.height));
    var canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(bitmap.width * scale));
    canvas.height = Math.max(1, Math.round(bitmap.height * scale));
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    return canvas;
  }

  function jpegOf(canvas, quality) {
    return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", quality); });
  }

  // A JPEG within the limit is sent as the camera wrote it (with its EXIF GPS, which the node
  // compares with the position); anything else is redrawn as a smaller JPEG (without EXIF:
  // the node then flags PHOTO_WITHOUT_GPS, it does not refuse the visit).
  async function preparePhoto(file) {
    var bitmap = await createImageBitmap(file);
    var thumbnail = canvasOf(bitmap, 240).toDataURL("image/jpeg", 0.7);
    var limit = Number(settings.maxBytes);
    if (file.type === "image/jpeg" && file.size <= limit) {
      return {blob: file, thumbnail: thumbnail};
    }
    for (var longest = 2048; longest >= 320; longest = Math.round(longest * 0.7)) {
      var blob = await jpegOf(canvasOf(bitmap, longest), 0.85);
      if (blob && blob.size <= limit) { return {blob: blob, thumbnail: thumbnail}; }
    }
    throw new Error("photo too large");
  }

  function newId() {
    if (crypto.randomUUID) { return crypto.randomUUID(); }
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) {
      return (b + 0x100).toString(16).slice(1);
    }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20),
            hex.slice(20)].join("-");
  }

  // --- the page -----------------------------------------------------------------------------
  function showSignal() {
    document.getElementById("sinyal").textContent =
      navigator.onLine ? say("online") : say("offline");
  }

  function stateText(visit) {
    var parts = [say(visit.state)];
    if (visit.period) { parts.push(say("period", {period: visit.period})); }
    if (visit.flags && visit.flags.length) { parts.push(say("flags", {flags: visit.flags.join(", ")})); }
    if (visit.message) { parts.push(visit.message); }
    return parts.join(" · ");
  }

  function itemOf(visit) {
    var item = document.createElement("li");
    item.className = "result";
    item.dataset.id = visit.id;
    item.dataset.state = visit.state;
    if (visit.thumbnail) {
      var image = document.createElement("img");
      image.src = visit.thumbnail;
      image.alt = "";
      image.className = "thumb";
      item.appendChild(image);
    }
    var label = document.createElement("strong");
    label.textContent = visit.householdLabel;
    item.appendChild(label);
    var where = document.createElement("span");
    where.textContent = visit.latitude + ", " + visit.longitude + " · " +
      new Date(visit.savedAt).toLocaleString(document.documentElement.lang);
    item.appendChild(where);
    var state = document.createElement("span");
    state.className = "state";
    state.textContent = stateText(visit);
    item.appendChild(state);
    if (visit.state === SENT || visit.state === REFUSED) {  // a waiting visit is never dropped
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "remove";
      remove.textContent = say("remove");
      remove.setAttribute("aria-label", say("remove") + ": " + visit.householdLabel);
      remove.addEventListener("click", function () { forget(visit.id).then(render); });
      item.appendChild(remove);
    }
    return item;
  }

  async function render() {
    var list = await visits();
    var waiting = list.filter(function (v) { return v.state === WAITING || v.state === SENDING; });
    document.getElementById("jumlah").textContent = say("count", {count: waiting.length});
    var queue = document.getElementById("daftar-antrean");
    queue.replaceChildren.apply(queue, list.slice().reverse().map(itemOf));
  }

  // --- sending ------------------------------------------------------------------------------
  async function answer(response) {
    var body = {};
    try { body = await response.json(); } catch (error) { body = {}; }
    return body;
  }

  function refusalOf(body) {
    var error = (body.errors || [])[0] || {};
    return {message: error.message || "", code: (error.extensions || {}).code,
            reason: (error.extensions || {}).reason};
  }

  // Refused for good (the visit stays listed with why), or "try again later" (false: stop).
  async function settle(visit, response, body) {
    var refusal = refusalOf(body);
    var again = response.status === 401 || response.status === 429 || response.status >= 500 ||
      refusal.reason === "csrf";
    visit.state = again ? WAITING : REFUSED;
    visit.message = response.status === 401 ? say("login") : refusal.message;
    await keep(visit);
    return !again;
  }

  async function post(url, body, headers) {
    return fetch(url, {method: "POST", body: body, headers: headers,
                       credentials: "same-origin", cache: "no-store"});
  }

  // true: go on with the next visit; false: no signal or no session, try again later.
  async function sendOne(visit, csrf) {
    visit.state = SENDING;
    await keep(visit);
    await render();
    try {
      if (!visit.photoSha256) {
        var uploaded = await post(settings.photo, visit.photo, {
          "Content-Type": "image/jpeg", "X-SIKS-Upload": "photo", "X-CSRF-Token": csrf});
        var stored = await answer(uploaded);
        if (!uploaded.ok) { return await settle(visit, uploaded, stored); }
        visit.photoSha256 = stored.sha256;
        await keep(visit);
      }
      var fields = {id: visit.id, photoSha256: visit.photoSha256,
                    latitude: visit.latitude, longitude: visit.longitude};
      if (visit.proposalId) { fields.proposalId = visit.proposalId; }
      else { fields.householdId = visit.householdId; }
      if (visit.note) { fields.note = visit.note; }
      var recorded = await post(settings.visit, JSON.stringify(fields), {
        "Content-Type": "application/json", "X-CSRF-Token": csrf});
      var body = await answer(recorded);
      if (!recorded.ok) { return await settle(visit, recorded, body); }
      visit.state = SENT;
      visit.photo = null;  // the node has it now
      visit.period = body.period;
      visit.flags = body.flags || [];
      visit.message = "";
      await keep(visit);
      return true;
    } catch (error) {  // no signal: it waits for the next chance
      visit.state = WAITING;
      visit.message = "";
      await keep(visit);
      return false;
    }
  }

  // One pass at a time; a call during a pass (a visit just saved) asks for one more pass.
  async function sendAll() {
    if (sending) { sendAgain = true; return; }
    sending = true;
    try {
      do {
        sendAgain = false;
        await sendPass();
      } while (sendAgain);
    } finally {
      sending = false;
      await render();
    }
  }

  async function sendPass() {
    var session;
    try {
      var response = await fetch(settings.session, {credentials: "same-origin",
                                                    cache: "no-store"});
      if (response.status === 401) {
        document.getElementById("sinyal").textContent = say("login");
        return;
      }
      if (!response.ok) { return; }
      session = await response.json();
    } catch (error) {
      return;  // no signal
    }
    var list = await visits();
    for (var i = 0; i < list.length; i += 1) {
      var visit = list[i];
      if (visit.state !== WAITING && visit.state !== SENDING) { continue; }
      if (visit.username !== session.username) {
        visit.message = say("other-user", {username: visit.username});
        await keep(visit);
        continue;
      }
      if (!(await sendOne(visit, session.csrf))) { return; }
    }
  }

  // --- recording a visit --------------------------------------------------------------------
  function number(id) {
    var value = document.getElementById(id).value.trim().replace(",", ".");
    return value === "" ? NaN : Number(value);
  }

  async function choosePhoto(event) {
    var file = event.target.files[0];
    var preview = document.getElementById("pratinjau");
    photo = null;
    preview.hidden = true;
    if (!file) { return; }
    try {
      photo = await preparePhoto(file);
      preview.src = photo.thumbnail;
      preview.hidden = false;
    } catch (error) {
      document.getElementById("kunjungan-pesan").textContent = say("photo-failed");
    }
  }

  async function save(event) {
    event.preventDefault();
    var form = event.target;
    var problem = document.getElementById("kunjungan-pesan");
    var household = document.getElementById("rumah-tangga");
    var latitude = number("lintang"), longitude = number("bujur");
    problem.textContent = "";
    if (!household.value) { problem.textContent = say("no-household"); return; }
    if (!photo) { problem.textContent = say("no-photo"); return; }
    if (!isFinite(latitude) || !isFinite(longitude)) {
      problem.textContent = say("bad-position");
      return;
    }
    var proposal = household.value.indexOf("usulan:") === 0;
    var visit = {
      id: newId(), username: settings.username,
      householdId: proposal ? null : household.value,
      proposalId: proposal ? household.value.slice("usulan:".length) : null,
      householdLabel: household.options[household.selectedIndex].text,
      latitude: latitude, longitude: longitude,
      note: document.getElementById("catatan").value.trim(),
      photo: photo.blob, thumbnail: photo.thumbnail, photoSha256: null,
      state: WAITING, message: "", savedAt: new Date().toISOString()};
    try {
      await keep(visit);
    } catch (error) {
      problem.textContent = say("no-storage");
      return;
    }
    form.reset();
    photo = null;
    document.getElementById("pratinjau").hidden = true;
    document.getElementById("lokasi-status").textContent = say("saved");
    await render();
    if (navigator.onLine) { await sendAll(); }
  }

  function start() {
    root = document.getElementById("pendamping");
    if (!root) { return; }
    settings = root.dataset;
    texts = {};
    Object.keys(root.dataset).forEach(function (key) {
      if (key.indexOf("text") === 0 && key.length > 4) {
        var name = key.slice(4).replace(/[A-Z]/g, function (c) { return "-" + c.toLowerCase(); });
        texts[name.slice(1)] = root.dataset[key];
      }
    });
    if (navigator.storage && navigator.storage.persist) {
      navigator.storage.persist().catch(function () {});  // ask the browser not to evict the queue
    }
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register(settings.worker, {scope: "/web/"}).catch(function () {});
    }
    document.getElementById("foto").addEventListener("change", choosePhoto);
    document.getElementById("kunjungan").addEventListener("submit", save);
    document.getElementById("kirim-sekarang").addEventListener("click", sendAll);
    window.addEventListener("online", function () { showSignal(); sendAll(); });
    window.addEventListener("offline", showSignal);
    showSignal();
    interrupted().then(render).then(function () { if (navigator.onLine) { return sendAll(); } })
      .catch(function () { document.getElementById("jumlah").textContent = say("no-storage"); });
  }

  document.addEventListener("DOMContentLoaded", start);
})();
