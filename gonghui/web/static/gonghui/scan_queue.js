// The offline scan queue of every page that scans without network: the activity's offline page
// (events/batch.js) and the provider's redemption desk (benefits/provider.js). One mechanism
// (docs/decisions/0006): each scan is kept in this browser's localStorage with a random nonce
// and the time it was scanned, and the kept scans are uploaded as one batch whenever the
// network is there. The server answers each item on its own and remembers (device, nonce): a
// batch sent again after a timeout, whose answer never arrived, replays the first answers and
// changes nothing. A scan leaves the queue only once its answer is stored here.
//
// var scans = GonghuiScanQueue(root, {
//   storage: "gonghui.batch",           // localStorage names: see below
//   field: "card_code",                 // the name the server reads a scan's code under
//   maxResults: 200,                    // answers kept for display, newest first
//   describe: function (answer) { return { tone: "ok", who: "…" }; },
//   render: function (queue, results) {}, // optional: what else the page draws after a change
// });
// scans.keep(code); scans.upload(); scans.say(message);
//
// The scans are kept under "<storage>.<scope>.queue" and the answers under
// "<storage>.<scope>.results", the scope being the root's data-queue-scope (the activity, the
// provider); this browser's device id, made once, under "<storage>.device".
// The root element carries data-upload-url and the texts (data-text-online, -offline, -kept,
// -uploading, -failed, -signin) and holds the queue's parts, marked data-queue="network"
// (the network's state), "count" (scans waiting), "status" (the upload's state), "pending"
// and "results" (the lists of kept scans and of answers). The CSRF token is the page's.
// It draws and uploads at once, then whenever the browser goes online, and every 15 s.
(function () {
  "use strict";

  var MAX_BATCH = 500; // the server's limit per upload
  var RETRY_MS = 15000;

  function uuid() {
    if (window.crypto && crypto.randomUUID) {
      return crypto.randomUUID();
    }
    // randomUUID exists only on HTTPS and localhost; a site's plain-HTTP address lacks it.
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

  function timeOf(iso) {
    var when = new Date(iso);
    return isNaN(when.getTime()) ? "" : when.toLocaleTimeString();
  }

  // <li class="className"><span class="part[0]">part[1]</span> … </li>
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

  function GonghuiScanQueue(root, options) {
    var prefix = options.storage + "." + root.getAttribute("data-queue-scope") + ".";
    var QUEUE = prefix + "queue";
    var RESULTS = prefix + "results";
    var DEVICE = options.storage + ".device";
    var uploadUrl = root.getAttribute("data-upload-url");
    var csrf = document.querySelector("input[name=csrfmiddlewaretoken]").value;
    var uploading = false;

    function text(name) {
      return root.getAttribute("data-text-" + name) || "";
    }

    function part(name) {
      return root.querySelector('[data-queue="' + name + '"]');
    }

    function say(message) {
      part("status").textContent = message || "";
    }

    function device() {
      var id = localStorage.getItem(DEVICE);
      if (!id) {
        id = uuid();
        localStorage.setItem(DEVICE, id);
      }
      return id;
    }

    function render() {
      var queue = load(QUEUE);
      var results = load(RESULTS);
      var network = part("network");
      network.textContent = navigator.onLine ? text("online") : text("offline");
      network.className = "tag " + (navigator.onLine ? "ok" : "bad");
      part("count").textContent = String(queue.length);

      var pending = part("pending");
      pending.textContent = "";
      queue.forEach(function (scan) {
        pending.appendChild(
          item("kept", [
            ["time", timeOf(scan.scanned_at)],
            ["message", text("kept")],
            ["who", scan[options.field].slice(0, 16) + "…"],
          ])
        );
      });

      var list = part("results");
      list.textContent = "";
      results.forEach(function (result) {
        var line = options.describe(result);
        list.appendChild(
          item(line.tone, [
            ["time", timeOf(result.scanned_at)],
            ["message", result.message],
            ["who", line.who],
          ])
        );
      });
      if (options.render) {
        options.render(queue, results);
      }
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
      save(RESULTS, stored.slice(0, options.maxResults));
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

    function keep(code) {
      var scan = { nonce: uuid() };
      scan[options.field] = code;
      scan.scanned_at = new Date().toISOString();
      var queue = load(QUEUE);
      queue.push(scan);
      save(QUEUE, queue);
      render();
    }

    window.addEventListener("online", upload);
    window.addEventListener("offline", render);
    window.setInterval(upload, RETRY_MS);
    render();
    upload();
    return { keep: keep, upload: upload, say: say };
  }

  window.GonghuiScanQueue = GonghuiScanQueue;
})();
