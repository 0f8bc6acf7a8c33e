// The activity's offline scanning page: every scan goes to the offline scan queue
// (gonghui/scan_queue.js), which keeps it on this device, uploads the kept scans as one batch
// whenever the network is there and lists them with their answers; a batch sent again changes
// nothing. This file says how an answer reads and wires the scan field.
(function () {
  "use strict";

  var root = document.getElementById("batch");
  if (!root) {
    return;
  }
  var form = document.getElementById("batch-form");
  var input = document.getElementById("batch-code");

  function tone(result) {
    if (result.ok) {
      return "ok";
    }
    return result.code === "already_checked_in" ? "warn" : "bad";
  }

  var scans = window.GonghuiScanQueue(root, {
    storage: "gonghui.batch",
    field: "card_code",
    maxResults: 200,
    describe: function (result) {
      var who = result.member_number ? result.member_name + " · " + result.member_number : "";
      return { tone: tone(result), who: who };
    },
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var code = input.value.trim();
    input.value = "";
    input.focus();
    if (!code) {
      return;
    }
    scans.keep(code);
    scans.upload();
  });

  document.getElementById("batch-upload").addEventListener("click", function () {
    scans.upload();
    input.focus();
  });

  input.focus();
})();
