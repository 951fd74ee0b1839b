// Workshops: quick filters, and the attendance screen (show the fields a status needs,
// mark everyone not recorded at once). Everything works without this script too.
(function () {
  "use strict";

  function normalise(text) {
    return (text || "").toLocaleLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }

  // <input data-filter-target="#list">: hide the .filter-item elements that do not match.
  document.querySelectorAll("input[data-filter-target]").forEach(function (input) {
    var target = document.querySelector(input.dataset.filterTarget);
    if (!target) {
      return;
    }
    input.addEventListener("input", function () {
      var query = normalise(input.value.trim());
      target.querySelectorAll(".filter-item").forEach(function (item) {
        item.hidden = query !== "" && normalise(item.dataset.filterText).indexOf(query) === -1;
      });
      target.querySelectorAll(".filter-group").forEach(function (group) {
        group.hidden = group.querySelector(".filter-item:not([hidden])") === null;
      });
    });
  });

  // Attendance rows: only the fields of the chosen status are shown.
  function checkedStatus(row) {
    var radio = row.querySelector("input[data-status-radio]:checked");
    return radio ? radio.value : "invited";
  }

  function update(row) {
    var status = checkedStatus(row);
    row.dataset.status = status;
    row.querySelectorAll("[data-show-for]").forEach(function (box) {
      box.hidden = box.dataset.showFor.split(" ").indexOf(status) === -1;
    });
  }

  var rows = document.querySelectorAll(".attendance-row");
  rows.forEach(function (row) {
    update(row);
    row.addEventListener("change", function (event) {
      if (event.target.matches("input[data-status-radio]")) {
        update(row);
      }
    });
  });

  document.querySelectorAll(".js-only").forEach(function (element) {
    element.hidden = false;
  });

  document.querySelectorAll("button[data-mark-rest]").forEach(function (button) {
    button.addEventListener("click", function () {
      var status = button.dataset.markRest;
      rows.forEach(function (row) {
        if (row.hidden || checkedStatus(row) !== "invited") {
          return;
        }
        var radio = row.querySelector('input[data-status-radio][value="' + status + '"]');
        if (radio) {
          radio.checked = true;
          update(row);
        }
      });
    });
  });
})();
