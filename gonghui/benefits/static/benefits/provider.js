// The provider's redemption desk. Online, the scan form posts as usual (a USB scanner types
// the code and presses Enter; the page answers with the claim and a Redeem button), and
// this file only keeps the field focused and adds the phone camera where the browser has a
// QR detector. Offline, a scan cannot be looked up: it is kept in localStorage with a random
// nonce and the scan time, and uploaded as a batch when the network is back. The server
// answers each scan once and remembers (device, nonce), so a batch sent again after a lost
// answer redeems nothing twice. A scan leaves the queue only once its answer is stored here.
(function () {
  "use strict";

  var form = document.getElementById("scan-form");
  var input = document.getElementById("scan-code");
  var box = document.getElementById("offline");
  if (!form || !input || !box) {
    return;
  }
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var uploadUrl = box.getAttribute("data-upload-url");
  var prefix = "gonghui.provider." + box.getAttribute("data-provider") + ".";
  var QUEUE = prefix + "queue";
  var RESULTS = prefix + "results";
  var DEVICE = "gonghui.provider.device";
  var MAX_BATCH = 500; // the server's limit per upload
  var MAX_RESULTS = 100;
  var RETRY_MS = 15000;
  var uploading = false;

  function text(name) {
    return box.getAttribute("data-text-" + name) || "";
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) {
      return crypto.randomUUID();
    }
    // randomUUID exists only on HTTPS and localhost; a shop's plain-HTTP address lacks it.
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map
      .call(bytes, function (b) {
        return (b + 0x100).toString(16).slice(1);
      })
      .join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  function load(key) {
    try {
      var value = JSON.parse(localStorage.getItem(key) || "[]");
      return Array.isArray(value) ? value : [];
    } catch (error) {
      return [];
    }
  }

  function save(key, value) {
    localStorage.setItem(key, JSON.stringify(value));
  }

  function device() {
    var id = localStorage.getItem(DEVICE);
    if (!id) {
      id = uuid();
      localStorage.setItem(DEVICE, id);
    }
    return id;
  }

  function say(message) {
    document.getElementById("offline-message").textContent = message || "";
  }

  function timeOf(iso) {
    var when = new Date(iso);
    return isNaN(when.getTime()) ? "" : when.toLocaleTimeString();
  }

  function item(className, parts) {
    var li = document.createElement("li");
    li.className = className;
    parts.forEach(function (part) {
      var span = document.createElement("span");
      span.className = part[0];
      span.textContent = part[1];
      li.appendChild(span);
      li.appendChild(document.createTextNode(" "));
    });
    return li;
  }

  function render() {
    var queue = load(QUEUE);
    var results = load(RESULTS);
    box.hidden = !queue.length && !results.length && navigator.onLine;
    var network = document.getElementById("offline-network");
    network.textContent = navigator.onLine ? text("online") : text("offline");
    network.className = "tag " + (navigator.onLine ? "ok" : "bad");
    document.getElementById("offline-count").textContent = String(queue.length);

    var pending = document.getElementById("offline-pending");
    pending.textContent = "";
    queue.forEach(function (scan) {
      pending.appendChild(
        item("kept", [
          ["time", timeOf(scan.scanned_at)],
          ["message", text("kept")],
          ["who", scan.code.slice(0, 16) + "…"],
        ])
      );
    });

    var list = document.getElementById("offline-results");
    list.textContent = "";
    results.forEach(function (result) {
      var who = [result.member_name, result.offer_title].filter(Boolean).join(" · ");
      list.appendChild(
        item(result.tone || (result.ok ? "ok" : "bad"), [
          ["time", timeOf(result.scanned_at)],
          ["message", result.message],
          ["who", who],
        ])
      );
    });
  }

  function settle(sent, answers) {
    var byNonce = {};
    answers.forEach(function (answer) {
      byNonce[answer.nonce] = answer;
    });
    var stored = load(RESULTS);
    sent.forEach(function (scan) {
      var answer = byNonce[scan.nonce];
      if (answer) {
        answer.scanned_at = scan.scanned_at;
        stored.unshift(answer);
      }
    });
    save(RESULTS, stored.slice(0, MAX_RESULTS));
    // Re-read the queue: scans kept during the upload stay in it.
    save(
      QUEUE,
      load(QUEUE).filter(function (scan) {
        return !byNonce[scan.nonce];
      })
    );
  }

  function upload() {
    var queue = load(QUEUE);
    if (uploading || !queue.length || !navigator.onLine) {
      render();
      return;
    }
    var sent = queue.slice(0, MAX_BATCH);
    var more = false;
    uploading = true;
    say(text("uploading"));
    fetch(uploadUrl, {
      method: "POST",
      credentials: "same-origin",
      redirect: "manual",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ device: device(), items: sent }),
    })
      .then(function (response) {
        var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
        if (!json) {
          // A redirect to the sign-in page, or a CSRF failure after signing in elsewhere.
          say(response.type === "opaqueredirect" || response.status === 403 ? text("signin") : text("failed"));
          return;
        }
        return response.json().then(function (body) {
          if (!response.ok) {
            say(body.message || text("failed"));
            return;
          }
          settle(sent, body.results || []);
          more = load(QUEUE).length > 0;
          say("");
        });
      })
      .catch(function () {
        say(text("failed"));
      })
      .then(function () {
        uploading = false;
        render();
        if (more) {
          upload();
        }
      });
  }

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
    var queue = load(QUEUE);
    queue.push({ nonce: uuid(), code: code, scanned_at: new Date().toISOString() });
    save(QUEUE, queue);
    render();
  });

  window.addEventListener("online", upload);
  window.addEventListener("offline", render);
  window.setInterval(upload, RETRY_MS);

  // Back to the field whenever the page gets the focus again, so the scanner's next
  // keystrokes land in it.
  window.addEventListener("focus", function () {
    input.focus();
  });

  // Phones with a QR detector (Chromium on Android) can scan with the camera.
  var scanButton = document.getElementById("scan-camera");
  var video = document.getElementById("scan-video");
  if ("BarcodeDetector" in window && navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
    scanButton.hidden = false;
    scanButton.addEventListener("click", function () {
      navigator.mediaDevices
        .getUserMedia({ video: { facingMode: "environment" } })
        .then(function (stream) {
          var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
          video.srcObject = stream;
          video.hidden = false;
          var stop = function () {
            stream.getTracks().forEach(function (track) {
              track.stop();
            });
            video.hidden = true;
          };
          var look = function () {
            detector
              .detect(video)
              .then(function (found) {
                if (found.length) {
                  stop();
                  input.value = found[0].rawValue;
                  form.requestSubmit();
                  return;
                }
                setTimeout(look, 250);
              })
              .catch(stop);
          };
          video.play().then(look);
        })
        .catch(function () {
          say(document.getElementById("desk-text").getAttribute("data-camera-failed"));
          box.hidden = false;
        });
    });
  }

  render();
  upload();
  input.focus();
})();
