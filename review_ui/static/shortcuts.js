// Keyboard shortcuts for the review UI (the help panel lists them, key "?").
// A static file, loaded with <script src>: the CSP allows no inline script.
(function () {
  "use strict";

  var FOCUS_FLAG = "safewatch.focus-post";
  var NOT_TYPING = ["checkbox", "radio", "button", "submit", "reset", "image", "file", "color", "range"];

  function isTyping(target) {
    if (!target || !target.tagName) {
      return false;
    }
    var tag = target.tagName.toLowerCase();
    if (tag === "textarea" || tag === "select" || target.isContentEditable) {
      return true;
    }
    return tag === "input" && NOT_TYPING.indexOf((target.type || "text").toLowerCase()) === -1;
  }

  function helpPanel() {
    return document.getElementById("shortcut-help");
  }

  function setHelp(open) {
    var panel = helpPanel();
    if (!panel) {
      return;
    }
    panel.hidden = !open;
    document.querySelectorAll(".shortcut-toggle").forEach(function (button) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  function submit(form) {
    if (!form) {
      return false;
    }
    // requestSubmit runs the submit listeners (and validation), as a click would.
    if (typeof form.requestSubmit === "function") {
      form.requestSubmit();
    } else {
      form.submit();
    }
    return true;
  }

  function click(selector) {
    var element = document.querySelector(selector);
    if (!element || element.disabled) {
      return false;
    }
    element.click();
    return true;
  }

  function toggleCategory(position) {
    var boxes = document.querySelectorAll("form.decision input[name=categories]");
    var box = boxes[position - 1];
    if (!box || box.disabled) {
      return false;
    }
    box.checked = !box.checked;
    box.dispatchEvent(new Event("change", {bubbles: true}));
    return true;
  }

  // The category of a key: 1-9 and 0 are categories 1-10, Shift+1-4 (by physical key, whatever the
  // layout prints on it) categories 11-14.
  function categoryPosition(event) {
    var match = /^Digit([0-9])$/.exec(event.code || "");
    if (event.shiftKey) {
      return match && match[1] >= "1" && match[1] <= "4" ? 10 + Number(match[1]) : 0;
    }
    if (event.key.length === 1 && event.key >= "0" && event.key <= "9") {
      return event.key === "0" ? 10 : Number(event.key);
    }
    return 0;
  }

  // "s" then 1-5 sets the severity, "s" then 0 leaves it to the categories.
  function setSeverity(key) {
    var select = document.querySelector("form.decision select[name=severity]");
    if (!select || key.length !== 1 || key < "0" || key > "5") {
      return false;
    }
    select.value = key === "0" ? "" : key;
    select.dispatchEvent(new Event("change", {bubbles: true}));
    return true;
  }

  var FOLLOW_UP_KEYS = {o: "none", w: "warning", t: "takedown", i: "investigation"};

  function chooseFollowUp(value) {
    var radio = document.querySelector("form.decision input[name=follow_up][value=" + value + "]");
    if (!radio || radio.disabled) {
      return false;
    }
    radio.checked = true;
    radio.dispatchEvent(new Event("change", {bubbles: true}));
    return true;
  }

  var severityPending = false;

  function focusSearch() {
    var field = document.getElementById("q");
    if (field) {
      field.focus();
      field.select();
      return true;
    }
    var link = document.querySelector("header.top nav a[href$='/search']");
    if (link) {
      window.location.assign(link.href);  // the search page puts focus on its query box
      return true;
    }
    return false;
  }

  function onKey(event) {
    if (event.defaultPrevented || event.ctrlKey || event.altKey || event.metaKey || event.isComposing) {
      return;
    }
    if (event.key === "Escape") {
      if (helpPanel() && !helpPanel().hidden) {
        setHelp(false);
        event.preventDefault();
      }
      return;
    }
    if (isTyping(event.target)) {
      return;
    }
    var key = event.key;
    var done = false;
    var position = categoryPosition(event);
    if (severityPending) {
      severityPending = false;
      if (setSeverity(key)) {
        event.preventDefault();
        return;
      }
    }
    if (position > 0 && document.querySelector("form.decision")) {
      done = toggleCategory(position);
    } else if (key === "s" && document.querySelector("form.decision select[name=severity]")) {
      severityPending = true;
      done = true;
    } else if (Object.prototype.hasOwnProperty.call(FOLLOW_UP_KEYS, key)) {
      done = chooseFollowUp(FOLLOW_UP_KEYS[key]);
    } else if (key === "r") {
      done = click("form.decision button[form=release-form]");
    } else if (key === "?") {
      setHelp(helpPanel() ? helpPanel().hidden : false);
      done = true;
    } else if (key === "n") {
      done = submit(document.querySelector("form.next-post"));
    } else if (key === "c") {
      done = click("form.decision button[value=confirm]");
    } else if (key === "d") {
      done = click("form.decision button[value=dismiss]");
    } else if (key === "/") {
      done = focusSearch();
    }
    if (done) {
      event.preventDefault();
    }
  }

  function afterLoad() {
    document.addEventListener("keydown", onKey);
    document.querySelectorAll(".shortcut-toggle").forEach(function (button) {
      button.addEventListener("click", function () {
        setHelp(helpPanel() ? helpPanel().hidden : false);
      });
    });
    document.querySelectorAll(".shortcut-close").forEach(function (button) {
      button.addEventListener("click", function () {
        setHelp(false);
        var toggle = document.querySelector(".shortcut-toggle");
        if (toggle) {
          toggle.focus();
        }
      });
    });
    // "Next" or "Review" was used: on the post view, put focus on the post text, so the reviewer
    // reads first and Tab leads straight into the decision form.
    document.querySelectorAll("form[data-focus-post]").forEach(function (form) {
      form.addEventListener("submit", function () {
        try {
          window.sessionStorage.setItem(FOCUS_FLAG, "1");
        } catch (error) {
          // storage refused (private mode): focus simply stays where the browser puts it
        }
      });
    });
    var wanted = false;
    try {
      wanted = window.sessionStorage.getItem(FOCUS_FLAG) === "1";
      window.sessionStorage.removeItem(FOCUS_FLAG);
    } catch (error) {
      wanted = false;
    }
    var text = document.getElementById("post-text");
    if (wanted && text) {
      text.focus();
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", afterLoad);
  } else {
    afterLoad();
  }
}());
