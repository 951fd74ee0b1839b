// The semester review: select every row at once, and apply the outcome, deadline, reason
// and note chosen above the table to the selected rows without a round trip (without
// JavaScript the "apply" button asks the server to do the same). A row with an outcome
// set is highlighted: it is saved by the next submit.
(function () {
  function setValue(field, value) {
    if (!field) {
      return;
    }
    field.value = value;
    field.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function markSet(row) {
    var outcome = row.querySelector("[data-outcome-select] select");
    row.classList.toggle("is-set", Boolean(outcome && outcome.value));
  }

  document.querySelectorAll("[data-semester-form]").forEach(function (form) {
    var rows = Array.prototype.slice.call(form.querySelectorAll("tbody tr[data-review-form]"));
    var boxes = rows.map(function (row) { return row.querySelector("[data-row-select]"); });
    var all = form.querySelector("[data-select-all]");
    var bulk = form.querySelector("[data-testid=bulk]");
    var status = form.querySelector("[data-apply-status]");

    if (all) {
      all.addEventListener("change", function () {
        boxes.forEach(function (box) { if (box) { box.checked = all.checked; } });
      });
    }
    rows.forEach(function (row) {
      markSet(row);
      row.addEventListener("change", function () { markSet(row); });
    });

    var apply = form.querySelector("[data-apply]");
    if (!apply || !bulk) {
      return;
    }
    apply.addEventListener("click", function (event) {
      event.preventDefault();
      var value = function (name) {
        var field = bulk.querySelector("[name=" + name + "]");
        return field ? field.value : "";
      };
      var outcome = value("bulk_outcome");
      var deadline = value("bulk_new_due_on");
      var reason = value("bulk_reason");
      var note = value("bulk_note");
      var applied = 0;
      rows.forEach(function (row, index) {
        if (!boxes[index] || !boxes[index].checked) {
          return;
        }
        applied += 1;
        if (deadline) {
          setValue(row.querySelector("input[name$='-new_due_on']"), deadline);
        }
        if (reason) {
          setValue(row.querySelector("select[name$='-reason']"), reason);
        }
        if (note) {
          setValue(row.querySelector("textarea[name$='-note']"), note);
        }
        if (outcome) {
          setValue(row.querySelector("select[name$='-outcome']"), outcome);
        }
      });
      if (status) {
        status.textContent = applied ? status.dataset.msgDone : status.dataset.msgNone;
      }
    });
  });
})();
