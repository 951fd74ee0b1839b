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
