// The signature pad (templates/workshops/_signature.html): pointer events on a canvas (a
// finger, a pen or a mouse), strokes smoothed with quadratic curves through the midpoints,
// kept in a fixed 600 x 200 drawing space whatever the size of the canvas on screen, and
// written as a small SVG (only <svg>, <g> and <path d="…">) into the pad's hidden field.
// A pad that is its own form is posted with fetch and shows the answer under the canvas.
(function () {
  "use strict";

  var WIDTH = 600;
  var HEIGHT = 200;
  var INK = "#1a237e";
  var LINE = 3;

  function round(value) {
    return Math.round(value * 10) / 10;
  }

  function pathData(points) {
    var first = points[0];
    var d = "M" + round(first[0]) + " " + round(first[1]);
    if (points.length === 1) {
      return d + "l0.1 0"; // a dot: the round cap draws it
    }
    for (var i = 1; i < points.length - 1; i++) {
      var p = points[i];
      var next = points[i + 1];
      d += "Q" + round(p[0]) + " " + round(p[1]) + " " +
        round((p[0] + next[0]) / 2) + " " + round((p[1] + next[1]) / 2);
    }
    var last = points[points.length - 1];
    return d + "L" + round(last[0]) + " " + round(last[1]);
  }

  function toSvg(strokes) {
    var paths = strokes.map(function (points) {
      return '<path d="' + pathData(points) + '"/>';
    });
    return '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ' + WIDTH + " " + HEIGHT +
      '" width="' + WIDTH + '" height="' + HEIGHT + '"><g fill="none" stroke="' + INK +
      '" stroke-width="' + LINE + '" stroke-linecap="round" stroke-linejoin="round">' +
      paths.join("") + "</g></svg>";
  }

  function setup(pad) {
    if (pad.dataset.signatureReady) {
      return;
    }
    pad.dataset.signatureReady = "1";
    var canvas = pad.querySelector("[data-signature-canvas]");
    var field = pad.querySelector("[data-signature-field]");
    var status = pad.querySelector("[data-signature-status]");
    var form = pad.querySelector("form[data-signature-form]");
    var context = canvas.getContext("2d");
    var strokes = [];
    var current = null;

    canvas.style.touchAction = "none"; // a finger draws instead of scrolling the page
    canvas.style.cursor = "crosshair";

    function resize() {
      var ratio = window.devicePixelRatio || 1;
      var width = canvas.clientWidth || WIDTH;
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round((width * HEIGHT / WIDTH) * ratio);
      canvas.style.height = (width * HEIGHT / WIDTH) + "px";
      draw();
    }

    function draw() {
      var scale = canvas.width / WIDTH;
      context.setTransform(scale, 0, 0, scale, 0, 0);
      context.clearRect(0, 0, WIDTH, HEIGHT);
      context.strokeStyle = INK;
      context.lineWidth = LINE;
      context.lineCap = "round";
      context.lineJoin = "round";
      strokes.forEach(function (points) {
        context.stroke(new Path2D(pathData(points)));
      });
    }

    function point(event) {
      var box = canvas.getBoundingClientRect();
      var x = (event.clientX - box.left) * WIDTH / box.width;
      var y = (event.clientY - box.top) * HEIGHT / box.height;
      return [Math.min(Math.max(x, 0), WIDTH), Math.min(Math.max(y, 0), HEIGHT)];
    }

    function add(event) {
      var p = point(event);
      var last = current[current.length - 1];
      if (Math.abs(p[0] - last[0]) + Math.abs(p[1] - last[1]) >= 1.5) {
        current.push(p);
      }
    }

    function say(text, kind) {
      status.textContent = text || "";
      status.className = "small mt-2" + (kind ? " text-" + kind : "");
    }

    function update() {
      field.value = strokes.length ? toSvg(strokes) : "";
      pad.dataset.strokes = String(strokes.length);
    }

    canvas.addEventListener("pointerdown", function (event) {
      if (event.button !== undefined && event.button > 0) {
        return;
      }
      event.preventDefault();
      canvas.setPointerCapture(event.pointerId);
      current = [point(event)];
      strokes.push(current);
      say("");
      draw();
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!current) {
        return;
      }
      event.preventDefault();
      var events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
      (events.length ? events : [event]).forEach(add);
      draw();
    });
    function finish() {
      if (current) {
        current = null;
        update();
      }
    }
    canvas.addEventListener("pointerup", finish);
    canvas.addEventListener("pointercancel", finish);
    canvas.addEventListener("lostpointercapture", finish);

    function clear() {
      strokes = [];
      current = null;
      update();
      draw();
      say("");
    }
    pad.querySelector("[data-signature-clear]").addEventListener("click", clear);
    pad.signatureClear = clear;

    if (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        if (!strokes.length) {
          say(pad.dataset.msgEmpty, "danger");
          return;
        }
        var button = form.querySelector("[data-signature-save]");
        button.disabled = true;
        say(pad.dataset.msgSaving, "muted");
        fetch(form.action || window.location.href, {
          method: "POST",
          body: new FormData(form),
          headers: { Accept: "application/json" },
          credentials: "same-origin",
        })
          .then(function (response) {
            return response.json().catch(function () {
              return { ok: false, message: pad.dataset.msgFailed };
            });
          })
          .then(function (data) {
            say(data.message || pad.dataset.msgFailed, data.ok ? "success" : "danger");
            if (data.ok) {
              pad.dataset.saved = "1";
              pad.dispatchEvent(new CustomEvent("signature:saved", { bubbles: true, detail: data }));
            }
          })
          .catch(function () {
            say(pad.dataset.msgFailed, "danger");
          })
          .then(function () {
            button.disabled = false;
          });
      });
    }

    window.addEventListener("resize", resize);
    resize();
    update();
  }

  function init(root) {
    (root || document).querySelectorAll("[data-signature-pad]").forEach(setup);
  }

  window.trackerSignature = {
    init: init,
    reset: function (pad) {
      if (pad && pad.signatureClear) {
        pad.signatureClear();
        delete pad.dataset.saved;
      }
    },
    toSvg: toSvg,
  };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(); });
  } else {
    init();
  }
})();
