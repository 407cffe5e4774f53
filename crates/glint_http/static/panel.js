// Glint Control Panel: dialogs, menus, tabs, the region selector, forms posted in place (so a
// dialog shows the service's message), and image upload with a progress bar. Every text set
// here goes through textContent; nothing builds HTML from data.
(function () {
  'use strict';

  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var csrf = csrfMeta ? csrfMeta.getAttribute('content') : '';

  function openDialog(dialog) {
    if (!dialog) { return; }
    document.querySelectorAll('details[data-menu][open]').forEach(function (d) { d.open = false; });
    dialog.querySelectorAll('.form-error').forEach(function (e) { e.hidden = true; e.textContent = ''; });
    if (!dialog.open) { dialog.showModal(); }
  }

  function showError(form, message) {
    var holder = form.closest('dialog') || form;
    var box = form.querySelector('.form-error') || holder.querySelector('.form-error');
    if (!box) { window.alert(message); return; }
    box.textContent = message;
    box.hidden = false;
  }

  function setBusy(form, busy) {
    form.querySelectorAll('button[type="submit"]').forEach(function (b) { b.disabled = busy; });
    var dialog = form.closest('dialog');
    if (dialog) {
      dialog.querySelectorAll('form[data-async] button[type="submit"]').forEach(function (b) { b.disabled = busy; });
    }
  }

  function handleJson(form, response) {
    return response.json().catch(function () { return {}; }).then(function (body) {
      if (body.redirect) {
        window.location.assign(body.redirect);
        return body;
      }
      setBusy(form, false);
      showError(form, body.error || ('The request failed (' + response.status + ').'));
      return body;
    });
  }

  function postForm(form) {
    setBusy(form, true);
    var data = new URLSearchParams(new FormData(form));
    return fetch(form.getAttribute('action'), {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'x-panel-async': '1', 'x-csrf-token': csrf },
      body: data
    }).then(function (response) { return handleJson(form, response); })
      .catch(function () { setBusy(form, false); showError(form, 'The Control Panel could not be reached. Check your connection and try again.'); });
  }

  // A link to Saved Images#pending-ID (from Notifications) opens that share's dialog; the
  // address loses the fragment, so that a reload after "Decide later" does not open it again.
  function openLinkedDialog() {
    var id = window.location.hash.slice(1);
    var dialog = id ? document.getElementById(id) : null;
    if (!dialog || !dialog.hasAttribute('data-opens-from-link')) { return; }
    openDialog(dialog);
    window.history.replaceState(null, '', window.location.pathname + window.location.search);
  }
  openLinkedDialog();

  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (form.id === 'upload-form') { event.preventDefault(); upload(form); return; }
    if (!form.hasAttribute('data-async')) { return; }
    event.preventDefault();
    postForm(form);
  });

  document.addEventListener('click', function (event) {
    var target = event.target.closest('[data-open],[data-close],[data-share],[data-confirm],[data-tab],[data-dismiss]');
    document.querySelectorAll('details[data-menu][open]').forEach(function (d) {
      if (!d.contains(event.target)) { d.open = false; }
    });
    if (!target) { return; }
    if (target.hasAttribute('data-open')) {
      openDialog(document.getElementById(target.getAttribute('data-open')));
    } else if (target.hasAttribute('data-close')) {
      var dialog = target.closest('dialog');
      if (dialog) { dialog.close(); }
    } else if (target.hasAttribute('data-share')) {
      openShare(target);
    } else if (target.hasAttribute('data-confirm')) {
      openConfirm(target);
    } else if (target.hasAttribute('data-tab')) {
      selectTab(target);
    } else if (target.hasAttribute('data-dismiss')) {
      target.parentElement.remove();
    }
  });

  function openShare(trigger) {
    var dialog = document.getElementById('share-dialog');
    if (!dialog) { return; }
    var shareable = trigger.getAttribute('data-shareable') === '1';
    dialog.querySelectorAll('.share-image-name').forEach(function (e) { e.textContent = trigger.getAttribute('data-image-name'); });
    dialog.querySelectorAll('.share-visibility').forEach(function (e) { e.textContent = trigger.getAttribute('data-visibility'); });
    dialog.querySelector('.share-ready').hidden = !shareable;
    dialog.querySelector('.share-blocked').hidden = shareable;
    document.getElementById('share-form').setAttribute('action', trigger.getAttribute('data-share-action'));
    document.getElementById('shareable-form').setAttribute('action', trigger.getAttribute('data-shareable-action'));
    var input = dialog.querySelector('input[name="account"]');
    if (input) { input.value = ''; }
    openDialog(dialog);
    if (shareable && input) { input.focus(); }
  }

  function openConfirm(trigger) {
    var dialog = document.getElementById('confirm-dialog');
    dialog.querySelector('form').setAttribute('action', trigger.getAttribute('data-confirm-action'));
    dialog.querySelector('#confirm-title').textContent = trigger.getAttribute('data-confirm-title') || 'Are you sure?';
    dialog.querySelector('#confirm-text').textContent = trigger.getAttribute('data-confirm-text') || '';
    var note = dialog.querySelector('#confirm-note');
    var noteText = trigger.getAttribute('data-confirm-note');
    note.textContent = noteText || '';
    note.hidden = !noteText;
    showImpact(dialog.querySelector('#confirm-impact'), trigger);
    dialog.querySelector('#confirm-button').textContent = trigger.getAttribute('data-confirm-button') || 'Confirm';
    openDialog(dialog);
  }

  // The confirmation's impact preview: given on the trigger, or counted when a list's
  // confirmation opens (data-confirm-impact-url answers {"impact"}).
  function showImpact(box, trigger) {
    var text = trigger.getAttribute('data-confirm-impact');
    var url = trigger.getAttribute('data-confirm-impact-url');
    box.textContent = text || '';
    box.hidden = !text;
    box.removeAttribute('data-for');
    if (text || !url) { return; }
    box.setAttribute('data-for', url);
    box.textContent = 'Counting the servers that use this image…';
    box.hidden = false;
    fetch(url, { credentials: 'same-origin', headers: { 'x-panel-async': '1' } })
      .then(function (response) { return response.ok ? response.json() : {}; })
      .catch(function () { return {}; })
      .then(function (body) {
        if (box.getAttribute('data-for') !== url) { return; }
        box.textContent = body.impact || 'Who uses this image could not be counted; see its Image Detail.';
      });
  }

  function selectTab(tab) {
    var list = tab.closest('[role="tablist"]');
    list.querySelectorAll('[data-tab]').forEach(function (t) {
      var selected = t === tab;
      t.setAttribute('aria-selected', selected ? 'true' : 'false');
      var panel = document.getElementById(t.getAttribute('data-tab'));
      if (panel) { panel.hidden = !selected; }
    });
  }

  document.addEventListener('change', function (event) {
    var select = event.target;
    if (select.matches('[data-region-select], [data-region-reload]')) {
      var url = new URL(window.location.href);
      url.searchParams.set('region', select.value);
      window.location.assign(url.toString());
    }
  });

  function upload(form) {
    var file = form.querySelector('input[type="file"]').files[0];
    if (!file) { showError(form, 'Choose an image file to upload.'); return; }
    var progress = form.querySelector('.progress');
    var bar = progress.querySelector('.progress-bar');
    var label = progress.querySelector('.progress-label');
    function show(percent, text) {
      progress.hidden = false;
      bar.style.width = percent + '%';
      label.textContent = text || (percent + '%');
    }
    setBusy(form, true);
    var fields = new URLSearchParams(new FormData(form));
    fields.delete('file');
    fetch('/images', {
      method: 'POST', credentials: 'same-origin',
      headers: { 'x-panel-async': '1', 'x-csrf-token': csrf }, body: fields
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (!response.ok || !body.upload) { throw new Error(body.error || ('The image could not be created (' + response.status + ').')); }
        return body;
      });
    }).then(function (created) {
      show(0, 'Uploading… 0%');
      var xhr = new XMLHttpRequest();
      xhr.open('PUT', created.upload);
      xhr.setRequestHeader('content-type', 'application/octet-stream');
      xhr.setRequestHeader('x-panel-async', '1');
      xhr.setRequestHeader('x-csrf-token', csrf);
      xhr.upload.addEventListener('progress', function (e) {
        if (e.lengthComputable) {
          var percent = Math.round((e.loaded / e.total) * 100);
          show(percent, 'Uploading… ' + percent + '%');
        }
      });
      xhr.addEventListener('load', function () {
        var body = {};
        try { body = JSON.parse(xhr.responseText); } catch (ignored) { body = {}; }
        if (xhr.status >= 200 && xhr.status < 300 && body.redirect) {
          show(100, 'Uploaded');
          window.location.assign(body.redirect);
        } else {
          setBusy(form, false);
          showError(form, body.error || ('The upload failed (' + xhr.status + ').'));
        }
      });
      xhr.addEventListener('error', function () {
        setBusy(form, false);
        showError(form, 'The upload was interrupted. The image stays queued; upload it again.');
      });
      xhr.send(file);
    }).catch(function (error) {
      setBusy(form, false);
      showError(form, error.message);
    });
  }
}());
