// The door kiosk: reads personal QR codes with the camera (the browser's BarcodeDetector
// where available, the vendored jsQR otherwise), lets staff find an invitee or add a
// walk-in with a tap, and keeps what could not be sent in localStorage until the
// connection is back. The server records each arrival once, so a scan sent twice is safe.
(function () {
  "use strict";

  var body = document.body;
  var workshopId = body.dataset.workshop;
  var scanUrl = body.dataset.scanUrl;
  var walkInUrl = body.dataset.walkInUrl;
  var csrfMeta = document.querySelector("meta[name=csrf-token]");
  var csrfToken = csrfMeta ? csrfMeta.content : "";
  var QUEUE_KEY = "door-queue-" + workshopId;
  var RESULT_MS = 3500;
  var SAME_CODE_MS = 6000;
  var RETRY_MS = 15000;

  var resultBox = document.querySelector(".door-result");
  var pendingBadge = document.querySelector("[data-testid=door-pending]");
  var cameraState = document.querySelector("[data-testid=door-camera-state]");
  var startButton = document.querySelector("[data-start-camera]");
  var video = document.querySelector(".door-camera video");
  var canvas = document.querySelector(".door-camera canvas");
  var context = canvas.getContext("2d", { willReadFrequently: true });

  var showingUntil = 0;
  var hideTimer = null;
  var lastCode = { text: "", at: 0 };
  var sending = false;
  var detector = null;
  var stream = null;
  var activeTab = "scan";

  function message(name, values) {
    var text = body.dataset["msg" + name] || "";
    Object.keys(values || {}).forEach(function (key) {
      text = text.replace("{" + key + "}", values[key]);
    });
    return text;
  }

  function normalise(text) {
    return (text || "").toLocaleLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }

  function newId() {
    if (window.crypto && window.crypto.randomUUID) {
      return window.crypto.randomUUID();
    }
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }

  // --- the queue of scans not yet answered by the server ------------------------------

  function readQueue() {
    try {
      var items = JSON.parse(window.localStorage.getItem(QUEUE_KEY) || "[]");
      return Array.isArray(items) ? items : [];
    } catch (error) {
      return [];
    }
  }

  function writeQueue(items) {
    try {
      window.localStorage.setItem(QUEUE_KEY, JSON.stringify(items));
    } catch (error) {
      // storage full or disabled: nothing more can be kept
    }
    showPending(items.length);
  }

  function enqueue(item) {
    var items = readQueue();
    if (!items.some(function (queued) { return queued.client_id === item.client_id; })) {
      items.push(item);
    }
    writeQueue(items);
  }

  function dequeue(clientId) {
    writeQueue(readQueue().filter(function (queued) { return queued.client_id !== clientId; }));
  }

  function showPending(count) {
    pendingBadge.hidden = count === 0;
    pendingBadge.textContent = message("Pending", { num: String(count) });
  }

  // --- talking to the server ----------------------------------------------------------

  // Resolves with the server's JSON answer; rejects when there is no usable answer (no
  // connection, a login page, a server error): the scan then stays queued.
  function post(item) {
    var url = item.kind === "walk-in" ? walkInUrl : scanUrl;
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      redirect: "manual",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": csrfToken
      },
      body: JSON.stringify(item.payload)
    }).then(function (response) {
      var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
      if (!json || response.status >= 500) {
        throw new Error("no answer");
      }
      return response.json();
    });
  }

  function submit(kind, fields, label) {
    var item = {
      kind: kind,
      client_id: newId(),
      label: label || "",
      payload: Object.assign({}, fields, { scanned_at: Date.now() })
    };
    item.payload.client_id = item.client_id;
    return post(item).then(function (answer) {
      show(answer);
      markArrived(answer);
      return answer;
    }, function () {
      enqueue(item);
      var queued = { outcome: "queued", name: item.label, message: message("Queued") };
      show(queued);
      return queued;
    });
  }

  function flushQueue() {
    if (sending) {
      return Promise.resolve();
    }
    var items = readQueue();
    if (!items.length) {
      return Promise.resolve();
    }
    sending = true;
    var chain = Promise.resolve();
    items.forEach(function (item) {
      chain = chain.then(function () {
        return post(item).then(function (answer) {
          dequeue(item.client_id);
          markArrived(answer);
        });
      });
    });
    return chain.catch(function () {
      // still offline: the rest waits for the next try
    }).then(function () {
      sending = false;
    });
  }

  // --- what the screen shows ----------------------------------------------------------

  function show(answer) {
    var state = answer.ok ? answer.outcome : (answer.outcome === "queued" ? "queued" : "refused");
    resultBox.dataset.state = state;
    resultBox.querySelector(".door-result-name").textContent = answer.name || "";
    resultBox.querySelector(".door-result-position").textContent = answer.position || "";
    resultBox.querySelector(".door-result-opd").textContent =
      (answer.opd || "") + (answer.walk_in ? " · " + message("WalkIn") : "");
    var rep = answer.representative;
    resultBox.querySelector(".door-result-rep").textContent = rep
      ? message("Represented", { name: rep.name + (rep.position ? ", " + rep.position : "") })
      : "";
    var text = answer.message || "";
    if (state === "recorded") {
      text = message("Recorded", { time: answer.time });
    } else if (state === "already") {
      text = message("Already", { time: answer.time });
    }
    resultBox.querySelector(".door-result-message").textContent = text;
    // Once the arrival is recorded, the person may sign on this screen.
    var signLink = resultBox.querySelector("[data-sign-link]");
    var signable = Boolean(answer.ok && answer.invitation_id && body.dataset.signUrl);
    signLink.hidden = !signable;
    if (signable) {
      signLink.href = body.dataset.signUrl.replace(
        /\/0(\?|$)/, "/" + encodeURIComponent(answer.invitation_id) + "$1"
      );
    }
    var duration = signable ? RESULT_MS + 2500 : RESULT_MS;
    resultBox.hidden = false;
    showingUntil = Date.now() + duration;
    window.clearTimeout(hideTimer);
    hideTimer = window.setTimeout(hideResult, duration);
  }

  function hideResult() {
    resultBox.hidden = true;
    showingUntil = 0;
    // The code just answered may still be in front of the camera: leave it be a while.
    if (lastCode.text) {
      lastCode.at = Date.now();
    }
  }

  resultBox.addEventListener("click", function (event) {
    if (!event.target.closest("[data-sign-link]")) {
      hideResult();
    }
  });

  function markArrived(answer) {
    if (!answer || !answer.ok) {
      return;
    }
    var row = document.querySelector("[data-invitation='" + answer.invitation_id + "']");
    if (row) {
      row.dataset.arrived = "yes";
      row.querySelector(".door-row-status").textContent = "\u2713 " + answer.time;
    }
  }

  // --- reading QR codes ---------------------------------------------------------------

  function handleText(text) {
    text = (text || "").trim();
    if (!text) {
      return Promise.resolve();
    }
    var now = Date.now();
    if (now < showingUntil || (text === lastCode.text && now - lastCode.at < SAME_CODE_MS)) {
      return Promise.resolve();
    }
    lastCode = { text: text, at: now };
    return submit("scan", { text: text }, "");
  }

  // The text of a QR code in the canvas's current picture, or "".
  function decodeCanvas() {
    if (detector) {
      return detector.detect(canvas).then(function (codes) {
        return codes.length ? codes[0].rawValue : "";
      });
    }
    if (typeof window.jsQR !== "function" || !canvas.width || !canvas.height) {
      return Promise.resolve("");
    }
    var image = context.getImageData(0, 0, canvas.width, canvas.height);
    var code = window.jsQR(image.data, image.width, image.height, {
      inversionAttempts: "attemptBoth"
    });
    return Promise.resolve(code ? code.data : "");
  }

  // Read an image (a test or a photo) the same way as a camera frame.
  function decodeImage(image) {
    canvas.width = image.naturalWidth || image.width;
    canvas.height = image.naturalHeight || image.height;
    context.drawImage(image, 0, 0);
    return decodeCanvas().then(function (text) {
      return handleText(text).then(function () { return text; });
    });
  }

  function tick() {
    if (!stream || activeTab !== "scan" || Date.now() < showingUntil || video.readyState < 2) {
      return;
    }
    var width = video.videoWidth;
    var height = video.videoHeight;
    var scale = Math.min(1, 800 / Math.max(width, height));
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    context.drawImage(video, 0, 0, canvas.width, canvas.height);
    decodeCanvas().then(handleText).catch(function () {});
  }

  function prepareDetector() {
    if (!("BarcodeDetector" in window)) {
      return Promise.resolve();
    }
    return window.BarcodeDetector.getSupportedFormats().then(function (formats) {
      if (formats.indexOf("qr_code") !== -1) {
        detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      }
    }).catch(function () {});
  }

  function startCamera() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      cameraState.textContent = message("NoCamera");
      return;
    }
    navigator.mediaDevices.getUserMedia({
      video: { facingMode: "environment" },
      audio: false
    }).then(function (media) {
      stream = media;
      video.srcObject = media;
      startButton.hidden = true;
      return video.play();
    }).catch(function () {
      cameraState.textContent = message("NoCamera");
      startButton.hidden = false;
    });
  }

  startButton.addEventListener("click", startCamera);

  // --- tabs and lists -----------------------------------------------------------------

  document.querySelectorAll("[data-tab]").forEach(function (button) {
    button.addEventListener("click", function () {
      activeTab = button.dataset.tab;
      document.querySelectorAll("[data-tab]").forEach(function (other) {
        var on = other === button;
        other.setAttribute("aria-pressed", on ? "true" : "false");
        other.classList.toggle("btn-light", on);
        other.classList.toggle("btn-outline-light", !on);
      });
      document.querySelectorAll("[data-panel]").forEach(function (panel) {
        panel.hidden = panel.dataset.panel !== activeTab;
      });
      var search = document.querySelector("[data-panel='" + activeTab + "'] input[type=search]");
      if (search) {
        search.focus();
      }
    });
  });

  document.querySelectorAll("input[data-filter-list]").forEach(function (input) {
    var list = document.querySelector(input.dataset.filterList);
    input.addEventListener("input", function () {
      var query = normalise(input.value.trim());
      list.querySelectorAll(".filter-item").forEach(function (item) {
        item.hidden = query !== "" && normalise(item.dataset.filterText).indexOf(query) === -1;
      });
    });
  });

  document.getElementById("door-invitees").addEventListener("click", function (event) {
    var row = event.target.closest("[data-invitation]");
    if (row) {
      submit("scan", { invitation_id: Number(row.dataset.invitation) }, row.dataset.name);
    }
  });

  document.getElementById("door-candidates").addEventListener("click", function (event) {
    var row = event.target.closest("[data-person]");
    if (!row) {
      return;
    }
    row.disabled = true;
    submit("walk-in", { person_id: Number(row.dataset.person) }, row.dataset.name).then(
      function (answer) {
        // Refused (outside the window, already invited): the row can be tapped again.
        row.disabled = Boolean(answer.ok) || answer.outcome === "queued";
      }
    );
  });

  // --- start ----------------------------------------------------------------------------

  window.addEventListener("online", flushQueue);
  window.setInterval(flushQueue, RETRY_MS);
  window.setInterval(tick, 250);
  showPending(readQueue().length);
  flushQueue();
  prepareDetector().then(startCamera);

  // For checking the page in a browser test and for support: the same functions the
  // camera loop uses.
  window.doorKiosk = {
    decodeImage: decodeImage,
    handleText: handleText,
    flushQueue: flushQueue,
    queue: readQueue
  };
})();
