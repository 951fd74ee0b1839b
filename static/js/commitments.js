// Commitments: check evidence files before sending, and preselect an OPD's head and secretary.
(function () {
  "use strict";

  function humanSize(bytes) {
    if (bytes >= 1024 * 1024) {
      return (bytes / (1024 * 1024)).toPrecision(3).replace(/\.?0+$/, "") + " MB";
    }
    return Math.max(1, Math.round(bytes / 1024)) + " KB";
  }

  // The server checks everything again; this only spares a long upload that would be refused.
  function checkFiles(form) {
    var input = form.querySelector("input[type=file]");
    var box = form.querySelector("[data-upload-error]");
    if (!input || !box) {
      return true;
    }
    var maxFiles = parseInt(form.dataset.maxFiles || "0", 10);
    var maxSize = parseInt(form.dataset.maxFileSize || "0", 10);
    var maxTotal = parseInt(form.dataset.maxTotalSize || "0", 10);
    var problems = [];
    var total = 0;
    var files = Array.prototype.slice.call(input.files || []);
    if (maxFiles && files.length > maxFiles) {
      problems.push(form.dataset.msgTooMany);
    }
    files.forEach(function (file) {
      total += file.size;
      if (maxSize && file.size > maxSize) {
        problems.push(form.dataset.msgTooLarge.replace("{name}", file.name));
      }
    });
    if (maxTotal && total > maxTotal) {
      problems.push(form.dataset.msgTotal);
    }
    box.textContent = problems.join(" ");
    box.classList.toggle("d-none", problems.length === 0);
    input.classList.toggle("is-invalid", problems.length > 0);
    return problems.length === 0;
  }

  document.querySelectorAll("form.commitment-upload-form").forEach(function (form) {
    var input = form.querySelector("input[type=file]");
    if (input) {
      input.addEventListener("change", function () { checkFiles(form); });
    }
    form.addEventListener("submit", function (event) {
      if (!checkFiles(form)) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    });
  });

  // New/edit commitment: choosing the OPD preselects its head and secretary when those
  // fields are still empty (or still hold what was preselected before).
  var HEAD_ROLES = ["kepala_opd", "sekda", "inspektur"];
  var opdSelect = document.querySelector("select[data-commitment-opd]");
  if (opdSelect) {
    var targets = document.querySelectorAll("select[data-commitment-person]");
    var preset = {};
    opdSelect.addEventListener("change", function () {
      var opd = opdSelect.value;
      targets.forEach(function (select) {
        var kind = select.dataset.commitmentPerson;
        if (select.value && select.value !== preset[select.name]) {
          return; // chosen by hand: leave it
        }
        var match = Array.prototype.find.call(select.options, function (option) {
          var role = option.dataset.role;
          var fits = kind === "head" ? HEAD_ROLES.indexOf(role) >= 0 : role === "sekretaris_opd";
          return option.dataset.opd === opd && fits;
        });
        select.value = match ? match.value : "";
        preset[select.name] = select.value;
      });
    });
  }
})();
