// The delivery note's signing page: the count received, a signature drawn with a finger (or a
// photo of the signed note), kept in localStorage with a random nonce until the server has
// answered, so it survives a depot with no signal and a reload; sent again on "online". The
// server answers each nonce once (a repeat gets the first answer), so a retry never signs twice.
(function () {
  "use strict";
  const form = document.getElementById("sign-form");
  if (!form) return;
  const status = document.getElementById("sign-status");
  const pad = document.getElementById("pad");
  const ctx = pad.getContext("2d");
  const key = "care-sign:" + form.dataset.token;
  let drawn = false;
  let photo = "";

  function random() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }
  function device() {
    let id = localStorage.getItem("care-device");
    if (!id) {
      id = random().slice(0, 24);
      localStorage.setItem("care-device", id);
    }
    return id;
  }
  function queue() {
    try {
      return JSON.parse(localStorage.getItem(key) || "[]");
    } catch (e) {
      return [];
    }
  }
  function keep(items) {
    if (items.length) localStorage.setItem(key, JSON.stringify(items));
    else localStorage.removeItem(key);
  }
  function say(text) {
    status.textContent = text;
  }

  ctx.lineWidth = 3;
  ctx.lineCap = "round";
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, pad.width, pad.height);
  function point(event) {
    const box = pad.getBoundingClientRect();
    return [(event.clientX - box.left) * (pad.width / box.width), (event.clientY - box.top) * (pad.height / box.height)];
  }
  let down = false;
  pad.addEventListener("pointerdown", (event) => {
    down = true;
    pad.setPointerCapture(event.pointerId);
    const [x, y] = point(event);
    ctx.beginPath();
    ctx.moveTo(x, y);
  });
  pad.addEventListener("pointermove", (event) => {
    if (!down) return;
    const [x, y] = point(event);
    ctx.lineTo(x, y);
    ctx.stroke();
    drawn = true;
  });
  pad.addEventListener("pointerup", () => {
    down = false;
  });
  document.getElementById("clear").addEventListener("click", () => {
    ctx.fillRect(0, 0, pad.width, pad.height);
    drawn = false;
  });
  document.getElementById("photo").addEventListener("change", (event) => {
    const file = event.target.files && event.target.files[0];
    if (!file) return;
    const image = new Image();
    image.onload = () => {
      const scale = Math.min(1, 1280 / Math.max(image.width, image.height));
      const canvas = document.createElement("canvas");
      canvas.width = Math.round(image.width * scale);
      canvas.height = Math.round(image.height * scale);
      canvas.getContext("2d").drawImage(image, 0, 0, canvas.width, canvas.height);
      photo = canvas.toDataURL("image/jpeg", 0.8);
      URL.revokeObjectURL(image.src);
    };
    image.src = URL.createObjectURL(file);
  });

  function done(answer) {
    const note = document.createElement("p");
    note.className = answer.ok ? "notice" : "field-error";
    note.setAttribute("role", answer.ok ? "status" : "alert");
    note.id = "answer";
    note.textContent = answer.message;
    form.replaceWith(note);
    say("");
  }

  let sending = false;

  async function flush() {
    const items = queue();
    if (!items.length || sending) return;
    sending = true;
    try {
      await send(items);
    } finally {
      sending = false;
    }
  }

  async function send(items) {
    say(status.dataset.sending);
    let response;
    try {
      response = await fetch(form.dataset.upload, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "X-CSRFToken": form.querySelector("[name=csrfmiddlewaretoken]").value,
        },
        body: JSON.stringify({ device: device(), items: items }),
        credentials: "same-origin",
      });
    } catch (e) {
      say(status.dataset.saved);
      return;
    }
    if (!response.ok) {
      say(status.dataset.saved);
      return;
    }
    const body = await response.json();
    keep([]);
    const last = body.answers[body.answers.length - 1];
    if (last) done(last);
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const received = parseInt(form.received.value, 10);
    const signedBy = form.signed_by.value.trim();
    const signature = photo || (drawn ? pad.toDataURL("image/png") : "");
    if (isNaN(received) || received < 0 || !signedBy || !signature) {
      say(status.dataset.missing);
      return;
    }
    if (received > parseInt(form.dataset.sent, 10) && !form.reason.value.trim()) {
      say(status.dataset.surplus);
      return;
    }
    keep([
      {
        nonce: random(),
        received: received,
        reason: form.reason.value.trim(),
        signed_by: signedBy,
        signature: signature,
        signed_at: new Date().toISOString(),
        offline: !navigator.onLine,
      },
    ]);
    say(status.dataset.saved);
    flush();
  });
  window.addEventListener("online", flush);
  flush();
})();
