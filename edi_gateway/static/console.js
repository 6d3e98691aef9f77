// The console's only script. Filter forms leave empty fields out of the address (a shorter
// URL to share); the upload form shows its progress. Without it, both still work.
"use strict";
document.querySelectorAll("form.filters").forEach(function (form) {
  form.addEventListener("submit", function () {
    form.querySelectorAll("input, select").forEach(function (field) {
      if (!field.value || (field.type === "checkbox" && !field.checked)) field.disabled = true;
    });
  });
});
window.addEventListener("pageshow", function () {
  document.querySelectorAll("form.filters [disabled]").forEach(function (field) {
    field.disabled = false;
  });
});
var upload = document.getElementById("upload");
if (upload && window.FormData && window.XMLHttpRequest) {
  upload.addEventListener("submit", function (event) {
    event.preventDefault();
    var bar = document.getElementById("upload-progress");
    var status = document.getElementById("upload-status");
    var button = upload.querySelector("button[type=submit]");
    var xhr = new XMLHttpRequest();
    xhr.open("POST", upload.action);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("X-CSRF-Token", upload.elements.csrf_token.value);
    xhr.upload.addEventListener("progress", function (e) {
      if (!e.lengthComputable) return;
      var pct = Math.round((100 * e.loaded) / e.total);
      bar.value = pct;
      bar.textContent = pct + "%";
      status.textContent = "Uploading: " + pct + "%";
    });
    xhr.addEventListener("load", function () {
      button.disabled = false;
      if (xhr.status >= 200 && xhr.status < 300) {
        bar.value = 100;
        status.textContent = "Uploaded. Opening the submission...";
        window.location.assign(JSON.parse(xhr.responseText).url);
        return;
      }
      var page = new DOMParser().parseFromString(xhr.responseText, "text/html");
      var alert = page.querySelector(".alert");
      status.textContent = "The upload was refused (" + xhr.status + "): " +
        (alert ? alert.textContent : xhr.statusText);
    });
    xhr.addEventListener("error", function () {
      button.disabled = false;
      status.textContent = "The upload failed: the connection was lost. Try again.";
    });
    bar.hidden = false;
    bar.value = 0;
    button.disabled = true;
    status.textContent = "Uploading: 0%";
    xhr.send(new FormData(upload));
  });
}
