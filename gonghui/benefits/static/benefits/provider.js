// The provider's redemption desk. Online, the scan form posts as usual (a USB scanner types
// the code and presses Enter, or checkins/scanner.js fills it from the camera; the page
// answers with the claim and a Redeem button), and this file only keeps the field focused. Offline, a scan cannot be looked up: it is kept by the offline scan queue
// (gonghui/scan_queue.js), listed in the "kept offline" box and uploaded as a batch when the
// network is back; the server answers each scan once, so a batch sent again after a lost
// answer redeems nothing twice.
(function () {
  "use strict";

  var form = document.getElementById("scan-form");
  var input = document.getElementById("scan-code");
  var box = document.getElementById("offline");
  if (!form || !input || !box) {
    return;
  }

  var scans = window.GonghuiScanQueue(box, {
    storage: "gonghui.provider",
    field: "code",
    maxResults: 100,
    describe: function (result) {
      var who = [result.member_name, result.offer_title].filter(Boolean).join(" · ");
      return { tone: result.tone || (result.ok ? "ok" : "bad"), who: who };
    },
    // The box shows only while it has something to say.
    render: function (queue, results) {
      box.hidden = !queue.length && !results.length && navigator.onLine;
    },
  });

  // Offline, the scan is kept instead of posted (the post would fail and lose it).
  form.addEventListener("submit", function (event) {
    var code = input.value.trim();
    if (!code) {
      event.preventDefault();
      input.focus();
      return;
    }
    if (navigator.onLine) {
      return;
    }
    event.preventDefault();
    input.value = "";
    input.focus();
    scans.keep(code);
  });

  // Back to the field whenever the page gets the focus again, so the scanner's next
  // keystrokes land in it.
  window.addEventListener("focus", function () {
    input.focus();
  });

  input.focus();
})();
