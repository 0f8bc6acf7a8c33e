// The big screen's full-screen button (no inline handlers: the CSP forbids them).
document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("screen-fullscreen");
  if (!button || !document.documentElement.requestFullscreen) {
    if (button) button.hidden = true;
    return;
  }
  button.addEventListener("click", function () {
    if (document.fullscreenElement) {
      document.exitFullscreen();
    } else {
      document.documentElement.requestFullscreen();
    }
  });
});
