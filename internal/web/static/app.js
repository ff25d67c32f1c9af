// Rampart web client. Forms are method="post" so that, should a script not
// run, a submit never puts a password into a URL.
// Loaded as a module under a strict Content Security
// Policy: no inline code, no eval, every handler attached here. Values are
// always inserted as text, never as HTML.

const csrf = document.querySelector('meta[name="csrf-token"]')?.content ?? "";

// el builds an element; strings among the children become text nodes.
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (v === true) e.setAttribute(k, "");
    else e.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    e.append(typeof c === "string" ? document.createTextNode(c) : c);
  }
  return e;
}

async function api(method, url, body) {
  const opts = { method, credentials: "same-origin", headers: { "Accept": "application/json" } };
  if (method !== "GET") opts.headers["X-Csrf-Token"] = csrf;
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  const res = await fetch(url, opts);
  let data = null;
  if (res.status !== 204) {
    try { data = await res.json(); } catch { data = null; }
  }
  if (res.status === 401) {
    location.href = "/login";
  }
  return { status: res.status, data, retryAfter: res.headers.get("Retry-After") };
}

function errorText(r) {
  if (r.status === 429) return `Too many attempts. Wait ${r.retryAfter} seconds and try again.`;
  return r.data?.error?.message ?? `The request failed (${r.status}).`;
}

function alertBox(text, kind = "alert") {
  return el("p", { class: kind, role: kind === "alert" ? "alert" : "status", text });
}

function formatValue(type, v) {
  if (v === null || v === undefined) return "";
  switch (type) {
    case "Boolean": return v ? "Yes" : "No";
    case "DateTime": return new Date(v).toLocaleString();
    case "referenceSet": return Array.isArray(v) ? `${v.length} selected` : "";
    default: return String(v);
  }
}

// --- list pages -----------------------------------------------------------

function listPage(root, cfg) {
  const state = { offset: 0, limit: 20, sort: [], search: "" };
  const status = el("div", { class: "status" });
  const table = el("table", { class: "data" });
  const pager = el("div", { class: "pager" });
  const toolbar = el("div", { class: "toolbar" });
  if (cfg.search) {
    const input = el("input", { type: "search", placeholder: "Search", "aria-label": "Search" });
    const form = el("form", { class: "search", role: "search", method: "post", onsubmit: (e) => { e.preventDefault(); state.search = input.value; state.offset = 0; load(); } },
      input, el("button", { type: "submit", text: "Search" }));
    toolbar.append(form);
  }
  if (cfg.new) toolbar.append(el("a", { class: "button primary", href: cfg.new, text: "New" }));
  root.replaceChildren(toolbar, status, el("div", { class: "table-wrap" }, table), pager);

  async function load() {
    status.replaceChildren();
    const r = await api("POST", `/api/v1/ops/${cfg.page}/list`, { offset: state.offset, limit: state.limit, sort: state.sort, search: state.search || undefined, count: true });
    if (r.status !== 200) { status.replaceChildren(alertBox(errorText(r))); return; }
    render(r.data.items, r.data.count);
  }

  function header() {
    const tr = el("tr");
    for (const c of cfg.columns) {
      const current = state.sort[0];
      const dir = current === c.key ? "ascending" : current === "-" + c.key ? "descending" : null;
      const th = el("th", { scope: "col", "aria-sort": dir ?? undefined });
      if (c.sortable) {
        th.append(el("button", { type: "button", class: "sort", onclick: () => {
          state.sort = [dir === "ascending" ? "-" + c.key : c.key];
          load();
        } }, c.label, dir === "ascending" ? " ▲" : dir === "descending" ? " ▼" : ""));
      } else {
        th.textContent = c.label;
      }
      tr.append(th);
    }
    return el("thead", {}, tr);
  }

  function render(items, count) {
    const body = el("tbody");
    for (const item of items) {
      const tr = el("tr");
      cfg.columns.forEach((c, i) => {
        const text = formatValue(c.type, item[c.key]);
        const td = el("td", { "data-label": c.label });
        if (i === 0 && cfg.open) td.append(el("a", { href: `${cfg.open}?id=${encodeURIComponent(item.id)}`, text: text || "(open)" }));
        else td.textContent = text;
        tr.append(td);
      });
      if (cfg.open) {
        tr.classList.add("clickable");
        tr.addEventListener("click", (e) => { if (e.target.tagName !== "A") location.href = `${cfg.open}?id=${encodeURIComponent(item.id)}`; });
      }
      body.append(tr);
    }
    if (items.length === 0) body.append(el("tr", {}, el("td", { colspan: cfg.columns.length, class: "empty", text: "Nothing to show." })));
    table.replaceChildren(header(), body);
    const from = count === 0 ? 0 : state.offset + 1;
    const to = state.offset + items.length;
    pager.replaceChildren(
      el("button", { type: "button", disabled: state.offset === 0, onclick: () => { state.offset = Math.max(0, state.offset - state.limit); load(); }, text: "Previous" }),
      el("span", { text: `${from}–${to} of ${count}` }),
      el("button", { type: "button", disabled: to >= count, onclick: () => { state.offset += state.limit; load(); }, text: "Next" }));
  }
  load();
}

// --- form pages -----------------------------------------------------------

function toLocalInput(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

async function formPage(root, cfg) {
  const params = new URLSearchParams(location.search);
  let id = params.get("id");
  const r = await api("POST", `/api/v1/ops/${cfg.page}/get`, id ? { id } : {});
  if (r.status !== 200) { root.replaceChildren(alertBox(r.status === 404 ? "This object does not exist or you may not see it." : errorText(r))); return; }
  const obj = r.data;
  const readOnly = new Set(obj.$readOnly ?? []);
  const status = el("div", { class: "status" });
  const form = el("form", { class: "form", method: "post", novalidate: true });
  const controls = {};
  const errors = {};

  for (const f of cfg.fields) {
    if (!(f.name in obj) && f.type !== "HashString") continue; // not readable
    const fid = "f-" + f.name.replace(/[^A-Za-z0-9]/g, "-");
    const ro = readOnly.has(f.name) || f.type === "AutoNumber";
    const v = obj[f.name];
    let input;
    switch (f.type) {
      case "Boolean":
        input = el("input", { id: fid, type: "checkbox", checked: !!v, disabled: ro });
        break;
      case "Enumeration":
        input = el("select", { id: fid, disabled: ro },
          f.required ? null : el("option", { value: "", text: "" }),
          (f.values ?? []).map((o) => el("option", { value: o.key, selected: o.key === v, text: o.caption })));
        break;
      case "DateTime":
        input = el("input", { id: fid, type: "datetime-local", value: toLocalInput(v), disabled: ro });
        break;
      case "Integer": case "Long": case "AutoNumber":
        input = el("input", { id: fid, type: "number", step: "1", value: v ?? "", disabled: ro, readonly: f.type === "AutoNumber" });
        break;
      case "Decimal":
        input = el("input", { id: fid, inputmode: "decimal", value: v ?? "", disabled: ro });
        break;
      case "HashString":
        input = el("input", { id: fid, type: "password", autocomplete: "new-password", disabled: ro });
        break;
      case "reference": case "referenceSet": {
        const multi = f.type === "referenceSet";
        input = el("select", { id: fid, multiple: multi, disabled: ro });
        const chosen = new Set(multi ? (v ?? []) : v ? [v] : []);
        if (!multi) input.append(el("option", { value: "", text: "" }));
        api("POST", `/api/v1/ops/${cfg.page}/options`, { field: f.name, limit: 1000 }).then((o) => {
          const known = new Set();
          for (const it of o.data?.items ?? []) {
            known.add(it.id);
            input.append(el("option", { value: it.id, selected: chosen.has(it.id), text: it.caption }));
          }
          for (const idv of chosen) if (!known.has(idv)) input.append(el("option", { value: idv, selected: true, text: idv }));
        });
        break;
      }
      default:
        input = f.length && f.length > 200 || f.length === 0
          ? el("textarea", { id: fid, rows: 3, disabled: ro })
          : el("input", { id: fid, maxlength: f.length, value: v ?? "", disabled: ro });
        if (input.tagName === "TEXTAREA") input.value = v ?? "";
    }
    controls[f.name] = { f, input, ro };
    errors[f.name] = el("p", { class: "field-error", id: fid + "-error" });
    input.setAttribute("aria-describedby", fid + "-error");
    form.append(el("div", { class: "field" + (ro ? " readonly" : "") },
      el("label", { for: fid }, f.label, f.required && !ro ? el("span", { class: "req", "aria-hidden": "true", text: " *" }) : null, ro ? el("span", { class: "hint", text: " (read-only)" }) : null),
      input, errors[f.name]));
  }

  function values() {
    const out = {};
    for (const [name, { f, input, ro }] of Object.entries(controls)) {
      if (ro) continue;
      switch (f.type) {
        case "Boolean": out[name] = input.checked; break;
        case "DateTime": out[name] = input.value ? new Date(input.value).toISOString() : null; break;
        case "Integer": case "Long": out[name] = input.value === "" ? null : input.value; break;
        case "HashString": if (input.value) out[name] = input.value; break;
        case "reference": out[name] = input.value || null; break;
        case "referenceSet": out[name] = [...input.selectedOptions].map((o) => o.value); break;
        default: out[name] = input.value === "" ? null : input.value;
      }
    }
    return out;
  }

  const actions = el("div", { class: "actions" });
  const has = (a) => (cfg.actions ?? []).includes(a);
  if (has("save") && Object.values(controls).some((c) => !c.ro)) {
    actions.append(el("button", { type: "submit", class: "primary", text: "Save" }));
  }
  if (has("cancel")) actions.append(el("button", { type: "button", onclick: () => history.back(), text: "Cancel" }));
  if (has("delete") && id) {
    actions.append(el("button", { type: "button", class: "danger", text: "Delete", onclick: async () => {
      if (!confirm("Delete this object?")) return;
      const d = await api("POST", `/api/v1/ops/${cfg.page}/delete`, { id });
      if (d.status === 204) { history.back(); return; }
      status.replaceChildren(alertBox(errorText(d)));
    } }));
  }
  form.append(actions);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    for (const p of Object.values(errors)) p.textContent = "";
    const s = await api("POST", `/api/v1/ops/${cfg.page}/save`, id ? { id, values: values() } : { values: values() });
    if (s.status === 200 || s.status === 201) {
      if (!id && s.data?.id) {
        id = s.data.id;
        history.replaceState(null, "", `${location.pathname}?id=${encodeURIComponent(id)}`);
      }
      status.replaceChildren(alertBox("Saved.", "notice"));
      return;
    }
    if (s.status === 422) {
      for (const d of s.data?.error?.details ?? []) {
        if (errors[d.member]) errors[d.member].textContent = d.message;
      }
    }
    status.replaceChildren(alertBox(errorText(s)));
  });
  root.replaceChildren(status, form);
}

// --- account --------------------------------------------------------------

function accountPage(root, cfg) {
  const status = el("div", { class: "status" });
  const current = el("input", { id: "current", type: "password", autocomplete: "current-password", required: true });
  const next = el("input", { id: "new", type: "password", autocomplete: "new-password", required: true, minlength: cfg.minLength, maxlength: cfg.maxLength });
  const repeat = el("input", { id: "repeat", type: "password", autocomplete: "new-password", required: true });
  const form = el("form", { class: "form narrow", method: "post" },
    el("h2", { text: "Change your password" }),
    el("p", { class: "hint", text: `Use at least ${cfg.minLength} characters. A pass phrase of several words works well.` }),
    el("div", { class: "field" }, el("label", { for: "current", text: "Current password" }), current),
    el("div", { class: "field" }, el("label", { for: "new", text: "New password" }), next),
    el("div", { class: "field" }, el("label", { for: "repeat", text: "Repeat the new password" }), repeat),
    el("div", { class: "actions" }, el("button", { type: "submit", class: "primary", text: "Change password" })));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (next.value !== repeat.value) { status.replaceChildren(alertBox("The new passwords differ.")); return; }
    const r = await api("POST", "/api/v1/session/password", { current: current.value, new: next.value });
    if (r.status === 204) {
      form.reset();
      status.replaceChildren(alertBox("Your password was changed. Other sessions were signed out.", "notice"));
      return;
    }
    if (r.status === 422) {
      status.replaceChildren(alertBox("The new password was refused:"), el("ul", { class: "problems" }, (r.data?.error?.details ?? []).map((d) => el("li", { text: d.message }))));
      return;
    }
    status.replaceChildren(alertBox(r.status === 403 ? "The current password is not right." : errorText(r)));
  });
  root.replaceChildren(status, form);
}

// --- user management --------------------------------------------------------

function usersPage(root, cfg) {
  const status = el("div", { class: "status" });
  const table = el("table", { class: "data" });
  const roleBoxes = (prefix, chosen = []) => el("fieldset", { class: "roles" }, el("legend", { text: "Roles" }),
    cfg.roles.map((r) => el("label", { class: "check" }, el("input", { type: "checkbox", name: prefix, value: r, checked: chosen.includes(r) }), " " + r)));
  const picked = (scope, prefix) => [...scope.querySelectorAll(`input[name="${prefix}"]:checked`)].map((i) => i.value);

  const name = el("input", { id: "nu-name", required: true, autocomplete: "off" });
  const pw = el("input", { id: "nu-pw", type: "password", required: true, autocomplete: "new-password" });
  const create = el("form", { class: "form card", method: "post" },
    el("h2", { text: "Add a user" }),
    el("div", { class: "field" }, el("label", { for: "nu-name", text: "User name" }), name),
    el("div", { class: "field" }, el("label", { for: "nu-pw", text: "Password" }), pw),
    roleBoxes("nu-role"),
    el("div", { class: "actions" }, el("button", { type: "submit", class: "primary", text: "Add user" })));
  create.addEventListener("submit", async (e) => {
    e.preventDefault();
    const r = await api("POST", "/api/v1/users", { name: name.value, password: pw.value, roles: picked(create, "nu-role"), active: true });
    if (r.status === 201) { create.reset(); status.replaceChildren(alertBox(`User ${r.data.name} was added.`, "notice")); load(); return; }
    status.replaceChildren(alertBox(errorText(r)), r.status === 422 ? el("ul", { class: "problems" }, (r.data?.error?.details ?? []).map((d) => el("li", { text: d.message }))) : "");
  });

  async function patch(u, body, done) {
    const r = await api("PATCH", `/api/v1/users/${encodeURIComponent(u.id)}`, body);
    status.replaceChildren(alertBox(r.status === 200 ? done : errorText(r), r.status === 200 ? "notice" : "alert"));
    load();
  }

  async function load() {
    const r = await api("GET", "/api/v1/users");
    if (r.status !== 200) { status.replaceChildren(alertBox(errorText(r))); return; }
    const body = el("tbody");
    for (const u of r.data.items) {
      const self = u.id === cfg.self;
      const edit = el("details", { class: "edit" }, el("summary", { text: "Roles" }));
      const rolesForm = el("form", { method: "post" }, roleBoxes("r-" + u.id, u.roles), el("button", { type: "submit", disabled: self, text: "Save roles" }));
      rolesForm.addEventListener("submit", (e) => { e.preventDefault(); patch(u, { roles: picked(rolesForm, "r-" + u.id) }, `Roles of ${u.name} saved.`); });
      edit.append(rolesForm);
      body.append(el("tr", {},
        el("td", { "data-label": "Name", text: u.name }),
        el("td", { "data-label": "Roles", text: u.roles.join(", ") || "—" }),
        el("td", { "data-label": "State", text: `${u.active ? "active" : "inactive"}${u.blocked ? ", blocked" : ""}` }),
        el("td", { class: "row-actions" },
          self ? el("span", { class: "hint", text: "you" }) : edit,
          el("button", { type: "button", disabled: self, text: u.blocked ? "Unblock" : "Block", onclick: () => patch(u, { blocked: !u.blocked }, `${u.name} ${u.blocked ? "unblocked" : "blocked"}.`) }),
          el("button", { type: "button", disabled: self, text: u.active ? "Deactivate" : "Activate", onclick: () => patch(u, { active: !u.active }, `${u.name} ${u.active ? "deactivated" : "activated"}.`) }),
          el("button", { type: "button", class: "danger", disabled: self, text: "Delete", onclick: async () => {
            if (!confirm(`Delete user ${u.name}?`)) return;
            const d = await api("DELETE", `/api/v1/users/${encodeURIComponent(u.id)}`);
            status.replaceChildren(alertBox(d.status === 204 ? `${u.name} was deleted.` : errorText(d), d.status === 204 ? "notice" : "alert"));
            load();
          } }))));
    }
    table.replaceChildren(el("thead", {}, el("tr", {}, ["Name", "Roles", "State", "Actions"].map((h) => el("th", { scope: "col", text: h })))), body);
  }
  root.replaceChildren(status, el("div", { class: "table-wrap" }, table), create);
  load();
}

// --- start ------------------------------------------------------------------

const toggle = document.querySelector(".menu-toggle");
toggle?.addEventListener("click", () => {
  const open = toggle.getAttribute("aria-expanded") === "true";
  toggle.setAttribute("aria-expanded", String(!open));
  document.getElementById("nav")?.classList.toggle("open", !open);
});

const root = document.getElementById("app");
if (root) {
  const cfg = JSON.parse(root.dataset.config || "{}");
  const pages = { list: listPage, form: formPage, account: accountPage, users: usersPage };
  const page = pages[root.dataset.kind];
  if (page) page(root, cfg);
  else root.replaceChildren(alertBox("This page shows no data.", "notice"));
}
