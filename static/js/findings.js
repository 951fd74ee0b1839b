// Findings: in a review form, show the new deadline only for outcome 2 and the lawful
// reason only for outcome 4. Without JavaScript both stay visible (with their hints).
(function () {
  function update(form) {
    var select = form.querySelector("[data-outcome-select] select");
    if (!select) {
      return;
    }
    form.querySelectorAll("[data-show-for]").forEach(function (block) {
      var shown = block.getAttribute("data-show-for") === select.value;
      var invalid = block.querySelector(".is-invalid");
      block.classList.toggle("d-none", !shown && !invalid);
    });
  }
  document.querySelectorAll("[data-review-form]").forEach(function (form) {
    var select = form.querySelector("[data-outcome-select] select");
    if (select) {
      select.addEventListener("change", function () { update(form); });
    }
    update(form);
  });
})();
