// Offline scanning. Each scan is kept in this browser's localStorage with a random nonce and
// the time it was scanned, and the kept scans are uploaded as one batch whenever the network
// is there. The server answers each item on its own and remembers (device, nonce): a batch
// sent again after a timeout, whose answer never arrived, replays the first answers and
// changes nothing. A scan leaves the queue only once its answer is stored here.
(function () {
  "use strict";

  var root = document.getElementById("batch");
  if (!root) {
    return;
  }
  var form = document.getElementById("batch-form");
  var input = document.getElementById("batch-code");
  var csrf = root.querySelector("input[name=csrfmiddlewaretoken]").value;
  var uploadUrl = root.getAttribute("data-upload-url");
  var prefix = "gonghui.batch." + root.getAttribute("data-activity") + ".";
  var QUEUE = prefix + "queue";
  var RESULTS = prefix + "results";
  var DEVICE = "gonghui.batch.device";
  var MAX_BATCH = 500; // the server's limit per upload
  var MAX_RESULTS = 200;
  var RETRY_MS = 15000;
  var uploading = false;

  function text(name) {
    return root.getAttribute("data-text-" + name) || "";
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) {
      return crypto.randomUUID();
    }
    // randomUUID exists only on HTTPS and localhost; a venue's plain-HTTP address lacks it.
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
    document.getElementById("batch-message").textContent = message || "";
  }

  function tone(result) {
    if (result.ok) {
      return "ok";
    }
    return result.code === "already_checked_in" ? "warn" : "bad";
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
    var network = document.getElementById("batch-network");
    network.textContent = navigator.onLine ? text("online") : text("offline");
    network.className = "tag " + (navigator.onLine ? "ok" : "bad");
    document.getElementById("batch-pending-count").textContent = String(queue.length);

    var pending = document.getElementById("batch-pending");
    pending.textContent = "";
    queue.forEach(function (scan) {
      pending.appendChild(
        item("kept", [
          ["time", timeOf(scan.scanned_at)],
          ["message", text("kept")],
          ["who", scan.card_code.slice(0, 16) + "…"],
        ])
      );
    });

    var list = document.getElementById("batch-results");
    list.textContent = "";
    results.forEach(function (result) {
      var who = result.member_number ? result.member_name + " · " + result.member_number : "";
      list.appendChild(
        item(tone(result), [
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
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": csrf,
      },
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

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var code = input.value.trim();
    input.value = "";
    input.focus();
    if (!code) {
      return;
    }
    var queue = load(QUEUE);
    queue.push({ nonce: uuid(), card_code: code, scanned_at: new Date().toISOString() });
    save(QUEUE, queue);
    render();
    upload();
  });

  document.getElementById("batch-upload").addEventListener("click", function () {
    upload();
    input.focus();
  });
  window.addEventListener("online", upload);
  window.addEventListener("offline", render);
  window.setInterval(upload, RETRY_MS);

  render();
  upload();
  input.focus();
})();
