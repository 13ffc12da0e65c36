/* The editor form's progressive enhancement: "Add" and "Remove" buttons fetch the re-rendered form and swap it
   in place, so the page does not jump to its top; focus goes to the control the server marks autofocus (the new
   row, or the row that took a removed one's place) and the scroll position stays where the archivist was.
   Without this script the same buttons post the form and come back at the section (#fragment) with the same
   autofocus, so nothing here is needed for the form to work. Served as a file: the pages' Content-Security-Policy
   allows scripts from this server only. */
(function () {
  "use strict";
  var busy = false;

  function submitPlainly(form, button) {
    form.dataset.plain = "yes";
    form.requestSubmit(button);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-row-action]");
    var form = button && button.form;
    if (!form || form.id !== "record-form" || form.dataset.plain === "yes" || !window.fetch || !window.DOMParser) {
      return;
    }
    event.preventDefault();
    if (busy) { return; }
    busy = true;
    var body = new FormData(form);
    body.append(button.name, button.value);
    var scrolled = window.scrollY;
    fetch(button.formAction || form.action, {method: "POST", body: body, credentials: "same-origin"})
      .then(function (response) {
        return response.text().then(function (text) { return {ok: response.status === 200, text: text}; });
      })
      .then(function (answer) {
        var fresh = answer.ok && new DOMParser().parseFromString(answer.text, "text/html").getElementById("record-form");
        if (!fresh) { submitPlainly(form, button); return; }
        form.replaceWith(document.importNode(fresh, true));
        window.scrollTo(0, scrolled);
        var target = document.querySelector("#record-form [autofocus]");
        if (target) {
          target.focus({preventScroll: true});
          target.scrollIntoView({block: "nearest"});
        }
        var status = document.getElementById("row-status");
        if (status) { status.textContent = button.getAttribute("aria-label") || button.textContent; }
      })
      .catch(function () { submitPlainly(form, button); })
      .finally(function () { busy = false; });
  });
}());
