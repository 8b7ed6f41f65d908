// Passkeys (A10): the browser's half of adding one and of finishing a login
// with one. The server sends WebAuthn options as JSON with base64url strings;
// the browser API wants ArrayBuffers, and its answer goes back as JSON again.
// Messages come translated from the page's data-msg-* attributes.
(function () {
  "use strict";

  function toBuffer(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) { base64 += "="; }
    var binary = atob(base64);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) { bytes[i] = binary.charCodeAt(i); }
    return bytes.buffer;
  }

  function toText(buffer) {
    if (!buffer) { return null; }
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i++) { binary += String.fromCharCode(bytes[i]); }
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function credentialsToBuffers(list) {
    (list || []).forEach(function (item) { item.id = toBuffer(item.id); });
  }

  function answerJSON(credential) {
    var response = credential.response;
    var out = {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || null,
      clientExtensionResults: credential.getClientExtensionResults ? credential.getClientExtensionResults() : {},
      response: { clientDataJSON: toText(response.clientDataJSON) }
    };
    if (response.attestationObject) {
      out.response.attestationObject = toText(response.attestationObject);
      out.response.transports = response.getTransports ? response.getTransports() : [];
    } else {
      out.response.authenticatorData = toText(response.authenticatorData);
      out.response.signature = toText(response.signature);
      out.response.userHandle = toText(response.userHandle);
    }
    return out;
  }

  function csrfToken() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function post(url, body) {
    var headers = { "X-CSRFToken": csrfToken() };
    if (!(body instanceof FormData)) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(body);
    }
    return fetch(url, { method: "POST", credentials: "same-origin", headers: headers, body: body })
      .then(function (reply) {
        return reply.json().then(function (data) { return { ok: reply.ok, data: data }; });
      });
  }

  // What went wrong, in the page's language: the server's own words, or the
  // browser's refusal (cancelled, timed out, no passkey here) read kindly.
  function explain(root, error) {
    if (error && error.serverSaid) { return error.serverSaid; }
    if (error && error.name === "NotAllowedError") { return root.getAttribute("data-msg-cancelled"); }
    if (error && error.name === "InvalidStateError") { return root.getAttribute("data-msg-duplicate"); }
    if (error && error.name === "SecurityError") { return root.getAttribute("data-msg-address"); }
    return root.getAttribute("data-msg-failed");
  }

  function serverError(reply) {
    if (reply.data && reply.data.redirect) { window.location.assign(reply.data.redirect); }
    var error = new Error("refused");
    error.serverSaid = (reply.data && reply.data.error) || null;
    throw error;
  }

  function busy(root, on) {
    var button = root.querySelector("button[data-passkey-go]");
    var status = root.querySelector("[data-passkey-status]");
    if (button) { button.disabled = on; }
    if (status) { status.textContent = on ? root.getAttribute("data-msg-waiting") : ""; }
  }

  function fail(root, error) {
    busy(root, false);
    var box = root.querySelector("[data-passkey-error]");
    box.textContent = explain(root, error);
    box.hidden = false;
  }

  function supported(root) {
    if (window.PublicKeyCredential && navigator.credentials) { return true; }
    fail(root, { serverSaid: root.getAttribute("data-msg-unsupported") });
    return false;
  }

  function addPasskey(root, form) {
    if (!supported(root)) { return; }
    busy(root, true);
    root.querySelector("[data-passkey-error]").hidden = true;
    post(root.getAttribute("data-options-url"), new FormData(form))
      .then(function (reply) {
        if (!reply.ok) { serverError(reply); }
        var options = reply.data;
        options.challenge = toBuffer(options.challenge);
        options.user.id = toBuffer(options.user.id);
        credentialsToBuffers(options.excludeCredentials);
        return navigator.credentials.create({ publicKey: options });
      })
      .then(function (credential) {
        var name = form.querySelector("[name=name]").value;
        return post(root.getAttribute("data-add-url"), { name: name, credential: answerJSON(credential) });
      })
      .then(function (reply) {
        if (!reply.ok) { serverError(reply); }
        window.location.assign(reply.data.redirect);
      })
      .catch(function (error) { fail(root, error); });
  }

  function usePasskey(root) {
    if (!supported(root)) { return; }
    busy(root, true);
    root.querySelector("[data-passkey-error]").hidden = true;
    post(root.getAttribute("data-options-url"), {})
      .then(function (reply) {
        if (!reply.ok) { serverError(reply); }
        var options = reply.data;
        options.challenge = toBuffer(options.challenge);
        credentialsToBuffers(options.allowCredentials);
        return navigator.credentials.get({ publicKey: options });
      })
      .then(function (credential) {
        return post(root.getAttribute("data-answer-url"), { credential: answerJSON(credential) });
      })
      .then(function (reply) {
        if (!reply.ok) { serverError(reply); }
        window.location.assign(reply.data.redirect);
      })
      .catch(function (error) { fail(root, error); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var adding = document.getElementById("passkey-add");
    if (adding) {
      var form = adding.querySelector("form");
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        addPasskey(adding, form);
      });
    }
    var login = document.getElementById("passkey-use");
    if (login) {
      login.querySelector("button[data-passkey-go]").addEventListener("click", function () {
        usePasskey(login);
      });
    }
  });
})();
