// The camera and the answer of every scanning desk (checkins/scan_tools.html and
// checkins/scan_result.html): the staff check-in desk, the provider's redemption desk and
// the card verifier.
//
// - Live scanning: where the browser decodes QR codes itself (BarcodeDetector: Chromium on
//   Android, macOS, ChromeOS) and the page may open the camera (a secure context: HTTPS or
//   localhost), a "scan live" button shows the camera; the first code seen is put in the
//   desk's code field and its form submitted, exactly as if a scanner had typed it. Desktop
//   Linux and Windows Chromium have no BarcodeDetector, and plain-HTTP pages have no
//   navigator.mediaDevices: there the button stays hidden and the photo below is the way.
// - The photo: a plain file form (the camera opens on phones through `capture`), decoded on
//   the server; it works in WeChat's in-app browser, on iOS and without JavaScript. Here it
//   is only sent as soon as the photo is taken.
// - The answer: a short tone (WebAudio, no sound file) and a vibration where the browser
//   allows them, high and short for a success, low and double for a refusal.
(function () {
  "use strict";

  var audio = null;

  function audioContext() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) {
      return null;
    }
    if (!audio) {
      try {
        audio = new Context();
      } catch (error) {
        return null;
      }
    }
    return audio;
  }

  // Browsers start audio only after a gesture: the first tap or key on the page unlocks it,
  // so the answers after it can sound.
  function unlock() {
    var context = audioContext();
    if (context && context.state === "suspended") {
      context.resume();
    }
  }
  document.addEventListener("pointerdown", unlock, true);
  document.addEventListener("keydown", unlock, true);

  function beep(context, frequency, start, length, wave) {
    var oscillator = context.createOscillator();
    var gain = context.createGain();
    oscillator.type = wave;
    oscillator.frequency.value = frequency;
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(0.3, start + 0.01);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + length);
    oscillator.connect(gain);
    gain.connect(context.destination);
    oscillator.start(start);
    oscillator.stop(start + length + 0.02);
  }

  function sound(ok) {
    var context = audioContext();
    if (!context || context.state !== "running") {
      return;
    }
    var now = context.currentTime;
    if (ok) {
      beep(context, 1320, now, 0.12, "sine");
    } else {
      beep(context, 220, now, 0.2, "square");
      beep(context, 180, now + 0.28, 0.28, "square");
    }
  }

  function vibrate(ok) {
    if (!navigator.vibrate) {
      return;
    }
    try {
      navigator.vibrate(ok ? 80 : [250, 120, 250]);
    } catch (error) {
      // Not allowed here (no gesture yet, or a frame without permission): the colour and
      // the words still say it.
    }
  }

  function announce(root) {
    var answers = (root || document).querySelectorAll("[data-scan-answer]");
    for (var i = 0; i < answers.length; i++) {
      var answer = answers[i];
      if (answer.getAttribute("data-announced")) {
        continue;
      }
      answer.setAttribute("data-announced", "1");
      var ok = answer.getAttribute("data-tone") === "ok";
      sound(ok);
      vibrate(ok);
    }
  }

  function canScanLive() {
    return (
      "BarcodeDetector" in window &&
      window.isSecureContext &&
      navigator.mediaDevices &&
      typeof navigator.mediaDevices.getUserMedia === "function"
    );
  }

  function setUpLive(tools, field) {
    var button = tools.querySelector("[data-scanner-live]");
    var video = tools.querySelector("[data-scanner-video]");
    var status = tools.querySelector("[data-scanner-status]");
    if (!button || !video || !field || !field.form || !canScanLive()) {
      return;
    }
    var formats = window.BarcodeDetector.getSupportedFormats
      ? window.BarcodeDetector.getSupportedFormats()
      : Promise.resolve(["qr_code"]);
    formats.then(function (supported) {
      if (supported.indexOf("qr_code") === -1) {
        return;
      }
      button.hidden = false;
      var stream = null;
      function stop() {
        if (stream) {
          stream.getTracks().forEach(function (track) {
            track.stop();
          });
        }
        stream = null;
        video.hidden = true;
      }
      button.addEventListener("click", function () {
        if (stream) {
          stop();
          return;
        }
        navigator.mediaDevices
          .getUserMedia({ video: { facingMode: "environment" }, audio: false })
          .then(function (opened) {
            stream = opened;
            var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
            video.srcObject = stream;
            video.hidden = false;
            function look() {
              if (!stream) {
                return;
              }
              detector
                .detect(video)
                .then(function (found) {
                  if (found.length && found[0].rawValue) {
                    stop();
                    field.value = found[0].rawValue;
                    if (field.form.requestSubmit) {
                      field.form.requestSubmit();
                    } else {
                      field.form.submit();
                    }
                    return;
                  }
                  setTimeout(look, 200);
                })
                .catch(function () {
                  setTimeout(look, 400);
                });
            }
            video.play().then(look, look);
          })
          .catch(function () {
            stop();
            status.textContent = tools.getAttribute("data-text-camera-failed");
          });
      });
    });
  }

  function setUpPhoto(tools) {
    var form = tools.querySelector("[data-scanner-photo]");
    if (!form) {
      return;
    }
    var input = form.querySelector("input[type=file]");
    var send = form.querySelector("[data-scanner-send]");
    var status = tools.querySelector("[data-scanner-status]");
    if (send) {
      send.hidden = true; // the photo goes as soon as it is taken
    }
    input.addEventListener("change", function () {
      if (!input.files || !input.files.length) {
        return;
      }
      status.textContent = tools.getAttribute("data-text-reading");
      form.submit();
    });
  }

  function setUp() {
    var tools = document.querySelectorAll("[data-scanner]");
    for (var i = 0; i < tools.length; i++) {
      var field = document.getElementById(tools[i].getAttribute("data-target"));
      setUpLive(tools[i], field);
      setUpPhoto(tools[i]);
    }
    announce(document);
  }

  // Answers swapped in by htmx (the check-in desk) sound too.
  document.addEventListener("htmx:afterSettle", function () {
    announce(document);
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
