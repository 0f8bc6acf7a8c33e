// The lesson player: a plain <audio> (or <video>) element, so that it plays in WeChat's
// in-app browser and on with the screen locked (Media Session API). It reports the intervals
// actually played, never a position or a percentage: an interval opens when playback starts
// and closes on pause, on a seek, at the end, and every 15 s (a heartbeat). Each interval gets
// a random id and waits in localStorage until the server has answered for it, so a dropped
// connection loses nothing and a resend is recognised (the server counts each id once).
(function () {
  "use strict";
  var root = document.getElementById("player");
  if (!root) {
    return;
  }
  var media = root.querySelector("audio, video");
  var lesson = parseInt(root.getAttribute("data-lesson"), 10);
  var url = root.getAttribute("data-progress-url");
  var resume = parseInt(root.getAttribute("data-resume"), 10) || 0;
  var csrfInput = root.querySelector("input[name=csrfmiddlewaretoken]");
  var csrf = csrfInput ? csrfInput.value : "";
  var QUEUE = "gonghui.learning.queue";
  var HEARTBEAT_MS = 15000;
  var MAX_BATCH = 500;
  var opened = null; // where the interval being played began (seconds), or null
  var last = 0; // the last position seen while playing (seconds)
  var uploading = false;

  function load() {
    try {
      return JSON.parse(window.localStorage.getItem(QUEUE) || "[]");
    } catch (e) {
      return [];
    }
  }

  function store(queue) {
    try {
      window.localStorage.setItem(QUEUE, JSON.stringify(queue));
    } catch (e) {
      // Storage full or disabled: the interval stays in memory until the next upload.
    }
  }

  function newId() {
    var bytes = new Uint8Array(12);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map
      .call(bytes, function (b) {
        return ("0" + b.toString(16)).slice(-2);
      })
      .join("");
  }

  function note(text) {
    var target = document.getElementById("player-note");
    if (target) {
      target.textContent = text;
    }
  }

  function show(state) {
    var status = document.getElementById("lesson-status");
    if (!status || !state) {
      return;
    }
    if (state.completed) {
      status.textContent = root.getAttribute("data-text-done");
      status.className = "lesson-done";
    } else if (media.duration) {
      var percent = Math.min(100, Math.floor(state.covered_ms / (media.duration * 10)));
      status.textContent = status.textContent.replace(/\d+%/, percent + "%");
    }
  }

  // Close the open interval at `end` seconds; reopen at `end` if playback goes on.
  function cut(end, goesOn) {
    if (opened !== null && url) {
      var start = Math.round(opened * 1000);
      var stop = Math.round(end * 1000);
      if (stop > start) {
        var queue = load();
        queue.push({ id: newId(), lesson: lesson, start: start, end: stop, at: new Date().toISOString() });
        store(queue);
      }
    }
    opened = goesOn ? end : null;
  }

  function upload(keepalive) {
    var queue = load();
    if (!url || uploading || !queue.length) {
      return;
    }
    if (!navigator.onLine) {
      note(root.getAttribute("data-text-offline"));
      return;
    }
    var sent = queue.slice(0, MAX_BATCH);
    uploading = true;
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      keepalive: !!keepalive,
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ reports: sent }),
    })
      .then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) {
            // Refused as a whole (signed out, not a member): keep nothing that cannot succeed.
            note(body.message || "");
            if (response.status === 400 || response.status === 403) {
              store([]);
            }
            return;
          }
          var answered = {};
          (body.results || []).forEach(function (result) {
            answered[result.id] = true;
          });
          // Re-read: intervals cut during the upload stay queued.
          store(
            load().filter(function (item) {
              return !answered[item.id];
            })
          );
          note("");
          show((body.lessons || {})[String(lesson)]);
        });
      })
      .catch(function () {
        note(root.getAttribute("data-text-offline"));
      })
      .then(function () {
        uploading = false;
      });
  }

  media.addEventListener("loadedmetadata", function () {
    if (resume > 0 && resume < media.duration) {
      media.currentTime = resume;
    }
  });
  media.addEventListener("playing", function () {
    last = media.currentTime;
    if (opened === null) {
      opened = last;
    }
  });
  media.addEventListener("timeupdate", function () {
    if (!media.seeking && !media.paused) {
      last = media.currentTime;
    }
  });
  // By the time "seeking" fires, currentTime is already the new place: the interval ends at
  // the last place seen while playing, and nothing between the two is credited.
  media.addEventListener("seeking", function () {
    cut(last, false);
  });
  media.addEventListener("seeked", function () {
    last = media.currentTime;
    if (!media.paused) {
      opened = last;
    }
  });
  media.addEventListener("pause", function () {
    if (!media.seeking) {
      last = media.currentTime;
    }
    cut(last, false);
    upload(false);
  });
  media.addEventListener("ended", function () {
    cut(media.duration, false);
    upload(false);
  });
  window.setInterval(function () {
    if (!media.paused && !media.seeking && opened !== null) {
      last = media.currentTime;
      cut(last, true);
    }
    upload(false);
  }, HEARTBEAT_MS);
  window.addEventListener("online", function () {
    upload(false);
  });
  window.addEventListener("pagehide", function () {
    if (!media.paused) {
      cut(media.currentTime, true);
    }
    upload(true);
  });

  if ("mediaSession" in navigator && window.MediaMetadata) {
    navigator.mediaSession.metadata = new window.MediaMetadata({
      title: root.getAttribute("data-title"),
      artist: root.getAttribute("data-artist"),
      album: root.getAttribute("data-album"),
    });
    navigator.mediaSession.setActionHandler("play", function () {
      media.play();
    });
    navigator.mediaSession.setActionHandler("pause", function () {
      media.pause();
    });
    navigator.mediaSession.setActionHandler("seekbackward", function () {
      media.currentTime = Math.max(media.currentTime - 15, 0);
    });
    navigator.mediaSession.setActionHandler("seekforward", function () {
      media.currentTime = Math.min(media.currentTime + 15, media.duration || 0);
    });
  }
  upload(false);
})();
