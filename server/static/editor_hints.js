/* Hints beside the record form's fields while the archivist types. Progressive enhancement: without this script
   the server shows the same date words after each post, reads language names and codes, and makes an identifier
   left blank from the reference code or title; the "Use as reference code" button posts the form.

   - A date field (an input with a "<id>-words" hint beside it) shows how it reads, from GET /api/dates:
     "Read as: circa 1955 — stored as 1955~", or in plain words why it cannot be read.
   - A language field offers languages from GET /api/languages (names in English and in the language itself, and
     codes) in a <datalist>.
   - On a new record the identifier follows the reference code, else the title (GET /api/identifiers/suggestion,
     the server's one rule), until the archivist types one of their own; a reference code typed as the
     identifier is offered as the reference code.

   Requests wait until typing pauses, and an answer about text that has changed since is dropped. Listeners sit on
   the document so they keep working after editor.js swaps the form in for "Add" and "Remove". The endpoints'
   paths come from this script's data attributes (the server's url_for), so nothing here assumes where the app is
   mounted. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!window.fetch || !script) { return; }
  var urls = {dates: script.dataset.dates, languages: script.dataset.languages, identifier: script.dataset.identifier};
  var PAUSE = 250;  // milliseconds without typing before asking the server
  var LANGUAGE_FIELD = /^(language\.\d+\.code|hasVersion\.\d+\.language)$/;
  var timers = {};
  var suggested = "";  // the identifier this script last filled in: replaced while the archivist leaves it alone

  function whenTypingPauses(key, run) {
    clearTimeout(timers[key]);
    timers[key] = setTimeout(run, PAUSE);
  }

  function ask(path, params) {
    var query = Object.keys(params).map(function (key) {
      return encodeURIComponent(key) + "=" + encodeURIComponent(params[key]);
    }).join("&");
    return fetch(path + "?" + query, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (response) {
        return response.json().then(function (body) { return {ok: response.ok, status: response.status, body: body}; });
      });
  }

  /* Dates ------------------------------------------------------------------------------------------------ */
  function dateHint(input) {
    var hint = input.id && document.getElementById(input.id + "-words");
    return hint && hint.classList.contains("date-words") ? hint : null;
  }

  function readDate(input) {
    var hint = dateHint(input);
    whenTypingPauses(input.id, function () {
      var text = input.value;
      if (!text.trim()) { hint.textContent = ""; hint.classList.remove("error"); return; }
      ask(urls.dates, {text: text}).then(function (answer) {
        if (input.value !== text || !document.body.contains(hint)) { return; }
        hint.textContent = "";
        hint.classList.toggle("error", !answer.ok);
        if (answer.ok) {
          var words = document.createElement("strong");
          words.textContent = answer.body.words;
          hint.append("Read as: ", words);
          if (answer.body.words !== answer.body.edtf) { hint.append(" — stored as " + answer.body.edtf); }
        } else if (answer.status === 422) {
          var detail = answer.body.detail || "";
          hint.textContent = detail.charAt(0).toUpperCase() + detail.slice(1);
        }
      }).catch(function () { hint.textContent = ""; });
    });
  }

  /* Languages -------------------------------------------------------------------------------------------- */
  function languageList() {
    var list = document.getElementById("language-suggestions");
    if (!list) {
      list = document.createElement("datalist");
      list.id = "language-suggestions";
      document.body.appendChild(list);
    }
    return list;
  }

  function startsWith(text, typed) {
    return text.toLocaleLowerCase().indexOf(typed.toLocaleLowerCase()) === 0;
  }

  function suggestLanguages(input) {
    var list = languageList();
    input.setAttribute("list", list.id);
    input.setAttribute("autocomplete", "off");
    whenTypingPauses("languages", function () {
      var typed = input.value.trim();
      if (!typed) { list.replaceChildren(); return; }
      ask(urls.languages, {q: typed}).then(function (answer) {
        if (!answer.ok || input.value.trim() !== typed) { return; }
        list.replaceChildren.apply(list, answer.body.languages.map(function (language) {
          var option = document.createElement("option");
          // The suggestion in the form the archivist is typing: English name, the language's own name, or code.
          option.value = [language.name, language.nativeName, language.code].filter(function (form) {
            return startsWith(form, typed);
          })[0] || language.name;
          option.label = language.name + " · " + language.nativeName + " · " + language.code;
          return option;
        }));
        list.dataset.query = typed;  // what these suggestions answer
      }).catch(function () { list.replaceChildren(); });
    });
  }

  /* Identifier ------------------------------------------------------------------------------------------- */
  function newIdentifierField() {
    var field = document.getElementById("identifier");
    return field && field.type === "text" ? field : null;  // an existing record's identifier is fixed (hidden)
  }

  function value(id) {
    var field = document.getElementById(id);
    return field ? field.value : "";
  }

  function offerReferenceCode(offered) {
    var place = document.getElementById("identifier-offer");
    if (!place) { return; }
    place.textContent = "";
    if (!offered) { return; }
    var button = document.createElement("button");
    button.type = "submit";
    button.name = "action";
    button.value = "use-reference-code";
    button.formNoValidate = true;
    button.textContent = "Use as reference code";
    place.append("“" + offered + "” looks like a reference code. ", button);
  }

  function suggestIdentifier() {
    var field = newIdentifierField();
    if (!field) { return; }
    whenTypingPauses("identifier", function () {
      var typed = field.value;
      var params = {referenceCode: value("referenceCode"), title: value("title.0.text"), identifier: typed};
      ask(urls.identifier, params).then(function (answer) {
        if (!answer.ok || field.value !== typed) { return; }
        if (!typed || typed === suggested) {
          field.value = suggested = answer.body.identifier;
        }
        offerReferenceCode(answer.body.referenceCode);
      }).catch(function () { return; });
    });
  }

  function useReferenceCode(button) {
    var field = newIdentifierField();
    var reference = document.getElementById("referenceCode");
    if (!field || !reference) { return false; }
    reference.value = field.value.trim().split(/\s+/).join(" ");
    field.value = suggested = "";
    offerReferenceCode("");
    suggestIdentifier();
    field.focus();
    var status = document.getElementById("row-status");
    if (status) { status.textContent = "Moved " + reference.value + " to the reference code."; }
    return button;
  }

  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.form || input.form.id !== "record-form") { return; }
    if (dateHint(input)) { readDate(input); }
    if (LANGUAGE_FIELD.test(input.name)) { suggestLanguages(input); }
    if (input.id === "identifier" || input.id === "referenceCode" || input.id === "title.0.text") {
      suggestIdentifier();
    }
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[value='use-reference-code']");
    if (button && button.form && button.form.id === "record-form" && useReferenceCode(button)) {
      event.preventDefault();
    }
  });
}());
