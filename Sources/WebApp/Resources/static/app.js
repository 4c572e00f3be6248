// Progressive enhancement only: every page works without this file.
// 1. A document's code-list file is streamed with an upload progress bar.
// 2. A running document's progress bar follows the job until it ends.
// 3. The label sheet's print button.
// 4. A self-made serials file is read into the order form's text box.
"use strict";
(function () {
  function uploadDocument(form) {
    var file = document.getElementById("doc-file");
    if (!file || !file.files || file.files.length === 0) return false;
    var chosen = file.files[0];
    var name = chosen.name.toLowerCase();
    var type = /\.(ndjson|jsonl)$/.test(name) ? "application/x-ndjson" : (/\.(txt|text|csv)$/.test(name) || chosen.type === "" ? "text/plain" : chosen.type);
    var query = [];
    ["type", "number", "date", "receiver", "reason", "package"].forEach(function (field) {
      var input = form.elements[field];
      if (input && input.value.trim() !== "") query.push(field + "=" + encodeURIComponent(input.value.trim()));
    });
    if (form.elements.acceptance && form.elements.acceptance.checked) query.push("acceptance=true");
    var box = document.getElementById("upload-progress");
    var bar = document.getElementById("upload-bar");
    var error = document.getElementById("form-error");
    box.hidden = false;
    error.hidden = true;
    var request = new XMLHttpRequest();
    request.open("POST", form.getAttribute("data-upload") + "?" + query.join("&"));
    request.setRequestHeader("Content-Type", type);
    request.setRequestHeader("X-CSRF-Token", form.elements.csrf.value);
    request.upload.onprogress = function (event) {
      if (event.lengthComputable) bar.value = Math.round(100 * event.loaded / event.total);
    };
    request.onload = function () {
      var answer = {};
      try { answer = JSON.parse(request.responseText); } catch (ignored) { answer = {}; }
      if (request.status < 300 && answer.location) {
        window.location.assign(answer.location);
      } else {
        box.hidden = true;
        error.textContent = answer.error || request.statusText;
        error.hidden = false;
        error.focus();
      }
    };
    request.onerror = function () {
      box.hidden = true;
      error.textContent = request.statusText || "network";
      error.hidden = false;
    };
    request.send(chosen);
    return true;
  }

  function followJob(bar) {
    var url = bar.getAttribute("data-status");
    function poll() {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (status) {
          bar.max = status.total || 1;
          bar.value = status.completed || 0;
          var state = document.getElementById("document-state");
          if (state && status.stateText) { state.textContent = status.stateText; state.setAttribute("data-state", status.state); }
          if (status.final) { window.location.reload(); } else { window.setTimeout(poll, 400); }
        })
        .catch(function () { window.setTimeout(poll, 2000); });
    }
    poll();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("document-form");
    if (form) {
      form.addEventListener("submit", function (event) {
        if (uploadDocument(form)) event.preventDefault();
      });
    }
    var bar = document.querySelector("progress[data-status]");
    if (bar) followJob(bar);
    document.querySelectorAll("input[type=file][data-fills]").forEach(function (input) {
      input.addEventListener("change", function () {
        var target = document.getElementById(input.getAttribute("data-fills"));
        if (!input.files || input.files.length === 0 || !target) return;
        var reader = new FileReader();
        reader.onload = function () { target.value = reader.result; };
        reader.readAsText(input.files[0]);
      });
    });
    var print = document.getElementById("print");
    if (print) print.addEventListener("click", function () { window.print(); });
    var error = document.getElementById("form-error");
    if (error) error.setAttribute("tabindex", "-1");
  });
})();
