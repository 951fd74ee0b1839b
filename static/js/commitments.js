// Commitments: preselect an OPD's head and secretary (evidence files are checked by app.js).
(function () {
  "use strict";

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
