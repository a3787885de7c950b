// mcpward ui: live updates. The server sends a `change` event naming what changed (queue, log,
// pins); the sections of this page that show it (their data-live attribute) are fetched again
// and swapped in. Everything else works without JavaScript.
(function () {
  "use strict";
  var url = document.body.getAttribute("data-events");
  if (!url || !window.EventSource || !window.fetch || !window.DOMParser) {
    return;
  }
  var live = document.getElementById("live");
  var pending = null;
  var running = false;

  function sectionsFor(kinds) {
    return Array.prototype.filter.call(document.querySelectorAll("[data-live]"), function (s) {
      return s.getAttribute("data-live").split(" ").some(function (k) {
        return kinds.indexOf(k) >= 0;
      });
    });
  }

  function refresh(kinds) {
    if (running) {
      pending = (pending || []).concat(kinds);
      return;
    }
    var sections = sectionsFor(kinds);
    if (sections.length === 0) {
      return;
    }
    running = true;
    fetch(window.location.href, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        sections.forEach(function (section) {
          var fresh = doc.getElementById(section.id);
          if (fresh) {
            section.replaceWith(document.importNode(fresh, true));
          }
        });
        document.body.setAttribute("data-refreshed", String(Date.now()));
      })
      .catch(function () {
        if (live) {
          live.textContent = "not live (reload the page)";
        }
      })
      .then(function () {
        running = false;
        if (pending) {
          var next = pending;
          pending = null;
          refresh(next);
        }
      });
  }

  var source = new EventSource(url);
  source.addEventListener("open", function () {
    if (live) {
      live.hidden = false;
      live.textContent = "live";
    }
    document.body.setAttribute("data-live-connected", "true");
  });
  source.addEventListener("error", function () {
    if (live) {
      live.textContent = "reconnecting…";
    }
  });
  source.addEventListener("change", function (event) {
    refresh(String(event.data).split(" "));
  });
})();
