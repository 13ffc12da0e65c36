/* The record form's picker for people, places and subjects: as the archivist types a name, the existing
   entities whose preferred or variant names match (case and accents aside) are offered from /api/entities;
   choosing one puts its key in the row's hidden "entity" field, so the record uses that entity instead of
   making a second one under another spelling. Typing over a chosen name lets go of it. Without this script the
   name fields offer the same names from a <datalist>, and the server matches a typed name exactly.
   Delegated listeners: editor.js swaps the whole form in when a row is added or removed. */
(function () {
  "use strict";
  var script = document.currentScript;
  var api = script && script.dataset.api;
  var timer = null, counter = 0;

  function field(input, part) {
    var prefix = input.name.replace(/\.(name|label)$/, ".");
    return input.form && input.form.elements.namedItem(prefix + part);
  }

  function listFor(input) {
    var id = input.id + "-choices";
    var list = document.getElementById(id);
    if (!list) {
      list = document.createElement("ul");
      list.id = id;
      list.className = "entity-choices";
      list.setAttribute("role", "listbox");
      list.setAttribute("aria-label", "Existing names");
      list.hidden = true;
      input.insertAdjacentElement("afterend", list);
    }
    return list;
  }

  function enhance(input) {
    if (input.dataset.picker === "on") { return; }
    input.dataset.picker = "on";
    input.dataset.originalValue = input.value;
    var id = field(input, "id");
    input.dataset.originalId = id ? id.value : "";
    input.removeAttribute("list");
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listFor(input).id);
  }

  function close(input) {
    var list = listFor(input);
    list.hidden = true;
    list.textContent = "";
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function say(text) {
    var status = document.getElementById("entity-picker-status");
    if (status) { status.textContent = text; }
  }

  function choose(input, option) {
    input.value = option.dataset.name;
    var entity = field(input, "entity"), id = field(input, "id");
    if (entity) { entity.value = option.dataset.key; }
    if (id) { id.value = ""; }
    input.dataset.originalValue = input.value;
    input.dataset.originalId = "";
    close(input);
    say("Chosen: " + option.dataset.name);
  }

  function show(input, items) {
    var list = listFor(input);
    list.textContent = "";
    items.slice(0, 10).forEach(function (item, n) {
      var option = document.createElement("li");
      option.id = input.id + "-choice-" + n;
      option.setAttribute("role", "option");
      option.dataset.key = item.key;
      option.dataset.name = item.preferredName;
      var others = [];
      Object.keys(item.variants || {}).forEach(function (lang) { others = others.concat(item.variants[lang]); });
      option.textContent = item.preferredName + (others.length ? " (also " + others.join(", ") + ")" : "") +
        " · " + item.records + (item.records === 1 ? " record" : " records");
      option.addEventListener("mousedown", function (event) { event.preventDefault(); choose(input, option); });
      list.appendChild(option);
    });
    list.hidden = items.length === 0;
    input.setAttribute("aria-expanded", items.length ? "true" : "false");
    say(items.length ? items.length + " existing names; arrow keys to choose" : "No existing name like this");
  }

  function lookUp(input) {
    var query = input.value.trim(), mine = ++counter;
    if (!query || !api) { close(input); return; }
    var url = api + "?kind=" + encodeURIComponent(input.dataset.entityKind) + "&q=" + encodeURIComponent(query);
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : {items: []}; })
      .then(function (body) { if (mine === counter) { show(input, body.items || []); } })
      .catch(function () { close(input); });
  }

  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("input[data-entity-kind]")) { enhance(event.target); }
  });

  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[data-entity-kind]")) { return; }
    enhance(input);
    var entity = field(input, "entity"), id = field(input, "id");
    var same = input.value === input.dataset.originalValue;
    if (entity && !same) { entity.value = ""; }
    if (id) { id.value = same ? input.dataset.originalId : ""; }
    clearTimeout(timer);
    timer = setTimeout(function () { lookUp(input); }, 150);
  });

  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[data-entity-kind]")) { return; }
    var list = listFor(input);
    var options = Array.prototype.slice.call(list.querySelectorAll("[role=option]"));
    if (list.hidden || !options.length) { return; }
    var active = document.getElementById(input.getAttribute("aria-activedescendant") || "");
    var index = options.indexOf(active);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      index = event.key === "ArrowDown" ? Math.min(index + 1, options.length - 1) : Math.max(index - 1, 0);
      options.forEach(function (o, n) { o.setAttribute("aria-selected", n === index ? "true" : "false"); });
      input.setAttribute("aria-activedescendant", options[index].id);
    } else if (event.key === "Enter" && active) {
      event.preventDefault();  // choosing a name never submits the form
      choose(input, active);
    } else if (event.key === "Escape") {
      close(input);
    }
  });

  document.addEventListener("focusout", function (event) {
    var input = event.target;
    if (input.matches && input.matches("input[data-entity-kind]")) {
      setTimeout(function () { close(input); }, 150);
    }
  });
}());
