/* Quick exit for the public site. Without JavaScript the button is an ordinary link to a neutral
   site. With it, the page is blanked and replaced (location.replace), so Back does not return
   here; pressing Escape twice within a second does the same. No third-party requests. */
(function () {
  "use strict";
  var links = document.querySelectorAll("[data-quick-exit]");
  if (!links.length) {
    return;
  }
  var target = links[0].href;
  var leaving = false;

  function leave(url) {
    if (leaving) {
      return;
    }
    leaving = true;
    try {
      document.title = "";
      document.documentElement.hidden = true;
      document.body.textContent = "";
      if (window.sessionStorage) {
        window.sessionStorage.clear();
      }
    } catch (e) {
      /* leave anyway */
    }
    window.location.replace(url || target);
  }

  Array.prototype.forEach.call(links, function (link) {
    link.addEventListener("click", function (event) {
      if (event.ctrlKey || event.metaKey || event.shiftKey) {
        return;
      }
      event.preventDefault();
      leave(link.href);
    });
  });

  var lastEscape = 0;
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" && event.key !== "Esc") {
      return;
    }
    var now = Date.now();
    if (now - lastEscape < 1000) {
      leave(target);
    }
    lastEscape = now;
  });

  /* A page restored from the back-forward cache after leaving stays blank. */
  window.addEventListener("pageshow", function (event) {
    if (event.persisted && leaving) {
      window.location.replace(target);
    }
  });

  var hints = document.querySelectorAll("[data-quick-exit-hint]");
  Array.prototype.forEach.call(hints, function (hint) {
    hint.hidden = false;
  });
})();
