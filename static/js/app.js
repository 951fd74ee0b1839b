// Confirmation before destructive actions: <form data-confirm="…">.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form instanceof HTMLFormElement && form.dataset.confirm) {
    if (!window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  }
});

// A form is sent once: after the first click its buttons are disabled (a double click or an
// impatient second click sends nothing more; the server also refuses a second copy of a
// create form). They come back after a while, or when the page is shown again from the
// browser's back/forward cache. <form data-resubmit> opts out.
(function () {
  var BUTTONS = "button[type=submit], button:not([type]), input[type=submit]";

  function setDisabled(form, disabled) {
    form.querySelectorAll(BUTTONS).forEach(function (button) {
      button.disabled = disabled;
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || event.defaultPrevented) {
      return;
    }
    if ((form.getAttribute("method") || "get").toLowerCase() !== "post" || "resubmit" in form.dataset) {
      return;
    }
    // After this event: a disabled button would not be sent with the form.
    window.setTimeout(function () {
      setDisabled(form, true);
      form.setAttribute("aria-busy", "true");
    }, 0);
    window.setTimeout(function () {
      setDisabled(form, false);
      form.removeAttribute("aria-busy");
    }, 15000);
  });

  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      document.querySelectorAll("form[aria-busy]").forEach(function (form) {
        setDisabled(form, false);
        form.removeAttribute("aria-busy");
      });
    }
  });
})();

// A page shown again with errors opens at them: the summary above the form
// (<div data-error-summary>, see the form_errors macro) gets the focus and is scrolled
// into view; a link of it goes to its field. A page whose form has no summary gets one
// built from its marked fields (or its own error box is used).
(function () {
  var CONTROLS = "input:not([type=hidden]), select, textarea, button";

  function openAround(element) {
    for (var node = element; node; node = node.parentElement) {
      if (node.tagName === "DETAILS" && !node.open) {
        node.open = true;
      }
      if (node.classList && node.classList.contains("collapse") && !node.classList.contains("show")) {
        node.classList.add("show");
      }
    }
  }

  function labelOf(control) {
    var label = control.id && document.querySelector('label[for="' + CSS.escape(control.id) + '"]');
    return label ? label.textContent.trim() : "";
  }

  function messagesOf(control) {
    var box = control.closest(".mb-3, .form-check, .col, [class*=col-]") || control.parentElement;
    return Array.prototype.map.call(box.querySelectorAll(".invalid-feedback"), function (node) {
      return node.textContent.trim();
    }).filter(Boolean);
  }

  function existingBox(form) {
    var inside = form.querySelector(".alert-danger[role=alert]:not(.d-none)");
    if (inside) {
      return inside;
    }
    for (var node = form.previousElementSibling; node; node = node.previousElementSibling) {
      if (node.matches(".alert-danger[role=alert]:not(.alert-dismissible)")) {
        return node;
      }
    }
    return null;
  }

  function buildSummary() {
    var first = document.querySelector("main .is-invalid");
    var form = first && first.closest("form");
    if (!form) {
      return document.querySelector("main .alert-danger[role=alert]:not(.alert-dismissible):not(.d-none)");
    }
    var box = existingBox(form);
    if (box) {
      return box;
    }
    var list = document.createElement("ul");
    list.className = "mb-0 ps-3";
    form.querySelectorAll(".is-invalid").forEach(function (control) {
      if (!control.id) {
        return;
      }
      var text = [labelOf(control)].concat(messagesOf(control)).filter(Boolean).join(": ");
      var link = document.createElement("a");
      link.className = "alert-link fw-normal";
      link.href = "#" + control.id;
      link.textContent = text || control.name;
      var item = document.createElement("li");
      item.appendChild(link);
      list.appendChild(item);
    });
    if (!list.children.length) {
      return null;
    }
    box = document.createElement("div");
    box.className = "alert alert-danger error-summary";
    box.setAttribute("role", "alert");
    box.setAttribute("data-error-summary", "");
    box.appendChild(list);
    form.insertBefore(box, form.firstChild);
    return box;
  }

  function goTo(target) {
    openAround(target);
    var control = target.matches(CONTROLS) ? target : target.querySelector(CONTROLS);
    (control || target).scrollIntoView({ block: "center" });
    if (control) {
      control.focus({ preventScroll: true });
    }
  }

  var summary = document.querySelector("[data-error-summary]") || buildSummary();
  if (!summary) {
    return;
  }
  openAround(summary);
  if (!summary.hasAttribute("tabindex")) {
    summary.setAttribute("tabindex", "-1");
  }
  summary.scrollIntoView({ block: "start" });
  summary.focus({ preventScroll: true });

  document.addEventListener("click", function (event) {
    var link = event.target instanceof Element && event.target.closest("[data-error-summary] a[href^='#']");
    var target = link && document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
    if (target) {
      event.preventDefault();
      goTo(target);
    }
  });
})();

// Files the server will refuse are pointed out as soon as they are chosen, at their
// input: too large, of a type that is not allowed, too many, too large together. The
// limits are on the form (<form data-upload-check …>, see the upload_attrs macro). This
// only warns: the form is sent as it is and the server decides.
(function () {
  function extensionOf(name) {
    var dot = name.lastIndexOf(".");
    return dot > 0 ? name.slice(dot).toLowerCase() : "";
  }

  function warningFor(input) {
    var next = input.nextElementSibling;
    while (next && !next.hasAttribute("data-upload-warning") && next.matches(".invalid-feedback, .form-text")) {
      next = next.nextElementSibling;
    }
    if (next && next.hasAttribute("data-upload-warning")) {
      return next;
    }
    var box = document.createElement("div");
    box.className = "upload-warning small text-danger mt-1 mb-2";
    box.setAttribute("data-upload-warning", "");
    box.setAttribute("data-testid", "upload-warning");
    box.setAttribute("role", "alert");
    input.insertAdjacentElement("afterend", box);
    return box;
  }

  function check(form) {
    var data = form.dataset;
    var maxSize = parseInt(data.maxFileSize || "0", 10);
    var maxTotal = parseInt(data.maxTotalSize || "0", 10);
    var maxFiles = parseInt(data.maxFiles || "0", 10);
    var allowed = (data.extensions || "").split(" ").filter(Boolean);
    var inputs = Array.prototype.slice.call(form.querySelectorAll("input[type=file]"));
    var total = 0;
    var count = 0;
    var last = null;
    var problemsOf = new Map();
    inputs.forEach(function (input) {
      var problems = [];
      Array.prototype.forEach.call(input.files || [], function (file) {
        total += file.size;
        count += 1;
        if (allowed.length && allowed.indexOf(extensionOf(file.name)) < 0) {
          problems.push(data.msgType.replace("{name}", file.name));
        } else if (maxSize && file.size > maxSize) {
          problems.push(data.msgTooLarge.replace("{name}", file.name));
        }
      });
      if (input.files && input.files.length) {
        last = input;
      }
      problemsOf.set(input, problems);
    });
    if (last && maxFiles && count > maxFiles) {
      problemsOf.get(last).push(data.msgTooMany);
    }
    if (last && maxTotal && total > maxTotal) {
      problemsOf.get(last).push(data.msgTotal);
    }
    problemsOf.forEach(function (problems, input) {
      var box = warningFor(input);
      box.textContent = problems.length ? problems.concat([data.msgHint]).join(" ") : "";
      box.hidden = problems.length === 0;
      input.classList.toggle("is-invalid", problems.length > 0);
    });
  }

  document.querySelectorAll("form[data-upload-check]").forEach(function (form) {
    form.addEventListener("change", function (event) {
      if (event.target instanceof HTMLInputElement && event.target.type === "file") {
        check(form);
      }
    });
  });
})();
