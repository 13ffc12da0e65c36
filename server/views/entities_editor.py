"""The editor's authority pages: find an entity, change its names and links, merge two, split one.

Server-rendered forms that work without JavaScript ("Add" buttons post the form back with one row more),
errors in plain words beside each field. Every change goes through ``store.entities``, which writes a new
revision of each record using the entity; the page then says how many records followed. Routes join the
editor blueprint, so they share its rules (a role on every page, CSRF on every POST).
"""
from __future__ import annotations

import re

from flask import flash, g, redirect, render_template, request, url_for

from metadata.record import authority
from metadata.storage import Conflict, NotFound
from metadata.storage.entities import EntityInvalid, EntityMerged

from .. import auth, state
from ..problems import Problem
from .editor import _context, blueprint, form_number

KIND = "<any(agent, place, subject):kind>"
KIND_WORDS = {"agent": "person or organisation", "place": "place", "subject": "subject"}
ROWS = ("name", "variant", "sameAs")


def _entity(kind: str, key: str) -> dict:
    found = state.store().entities.get(kind, key)
    if found is None:
        raise Problem(404, f"There is no {KIND_WORDS[kind]} {key}.", "Not Found")
    return found


@blueprint.get("/edit/entities")
@auth.page("editor")
def entities():
    """People, places and subjects, found by any of their names (the no-script way to find an existing one)."""
    kind = request.args.get("kind", "agent")
    kind = kind if kind in authority.KINDS else "agent"
    query = request.args.get("q", "").strip()[:200]
    found = state.store().entities.search(kind, query, limit=200)
    return render_template("entities.html", **_context(title="People, places and subjects", kind=kind, query=query,
                                                       found=found, kind_words=KIND_WORDS,
                                                       preferred=authority.preferred_name))


def to_form(entity: dict) -> dict:
    """The entity as form rows: one per preferred name (a language each), variant and link."""
    return {"name": [{"lang": lang, "text": text} for lang, text in entity["name"].items()],
            "variant": [{"lang": lang, "text": text} for lang, texts in (entity.get("variants") or {}).items()
                        for text in texts],
            "sameAs": [{"text": link} for link in entity.get("sameAs") or []],
            "type": entity.get("type", ""), "sortName": entity.get("sortName", "")}


def from_post(values) -> dict:
    form: dict = {"type": values.get("type", ""), "sortName": values.get("sortName", "").strip()}
    for key in ROWS:
        rows: dict[int, dict] = {}
        pattern = re.compile(rf"^{key}\.(\d+)\.(lang|text)$")
        for name in values:
            match = pattern.match(name)
            if match and int(match.group(1)) < 500:
                rows.setdefault(int(match.group(1)), {"lang": "", "text": ""})[match.group(2)] = values.get(name, "")
        form[key] = [rows[i] for i in sorted(rows)]
    return form


def to_fields(form: dict) -> tuple[dict, list[dict]]:
    """The entity fields a form describes, and the problems only the form can have (a language typed twice)."""
    names, problems = {}, []
    for i, row in enumerate(form["name"]):
        lang, text = row["lang"].strip() or "en", row["text"].strip()
        if not text:
            continue
        if lang in names:
            problems.append({"pointer": f"name.{i}.lang", "message": f"there is already a preferred name in {lang}: "
                                                                     "make this one a variant"})
        names[lang] = text
    variants: dict[str, list[str]] = {}
    for row in form["variant"]:
        if row["text"].strip():
            variants.setdefault(row["lang"].strip() or "en", []).append(row["text"].strip())
    links = [row["text"].strip() for row in form["sameAs"] if row["text"].strip()]
    fields = {"name": names, "variants": variants, "sameAs": links, "sortName": form["sortName"]}
    if form["type"]:
        fields["type"] = form["type"]
    return fields, problems


def _field_id(pointer: str, form: dict) -> str:
    """The form control a problem's pointer is about."""
    parts = pointer.strip("/").split("/")
    if not parts[0]:
        return "form"
    if parts[0] == "name" and len(parts) > 1:
        index = next((i for i, r in enumerate(form["name"]) if (r["lang"].strip() or "en") == parts[1]), 0)
        return f"name.{index}.text"
    if parts[0] == "variants" and len(parts) > 1:
        rows = [i for i, r in enumerate(form["variant"]) if (r["lang"].strip() or "en") == parts[1]
                and r["text"].strip()]
        nth = int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else 0
        return f"variant.{rows[nth] if nth < len(rows) else 0}.text"
    if parts[0] == "sameAs" and len(parts) > 1 and parts[1].isdigit():
        rows = [i for i, r in enumerate(form["sameAs"]) if r["text"].strip()]
        nth = int(parts[1])
        return f"sameAs.{rows[nth] if nth < len(rows) else 0}.text"
    if parts[0] == "name":
        return "name.0.text"
    return parts[0] if parts[0] in ("type", "sortName") else pointer


LABELS = {"name": "Preferred name", "variant": "Variant name", "sameAs": "Link"}


def _plain(errors: list[dict], form: dict) -> dict[str, list[str]]:
    """Messages by control id, each starting with the field's label."""
    found: dict[str, list[str]] = {}
    for error in errors:
        control = error["pointer"] if "." in error["pointer"] else _field_id(error["pointer"], form)
        row = control.split(".")
        label = f"{LABELS[row[0]]} {int(row[1]) + 1}" if row[0] in LABELS and len(row) > 1 else \
            {"type": "Kind", "sortName": "Sort name", "form": "Not saved"}.get(row[0], "This")
        found.setdefault(control, []).append(f"{label}: {error['message']}")
    return found


def _form_page(entity: dict, form: dict, field_errors: dict | None = None, status: int = 200, focus: str = ""):
    return render_template("entity_form.html", **_context(
        title=f"Edit {authority.preferred_name(entity)}", entity=entity, form=form, field_errors=field_errors or {},
        focus=focus, kind_words=KIND_WORDS, agent_types=authority.AGENT_TYPES, preferred=authority.preferred_name,
        public=state.urls().entities.entity(authority.collection(entity["kind"]), entity["key"]),
        history=list(reversed(state.store().entities.revisions(entity["kind"], entity["key"]))),
        used_by=state.store().entities.used_by(entity["kind"], entity["key"]))), status


@blueprint.route(f"/edit/entities/{KIND}/<key>", methods=["GET", "POST"])
@auth.page("editor")
def edit_entity(kind: str, key: str):
    entity = _entity(kind, key)
    if request.method == "GET":
        return _form_page(entity, to_form(entity))
    form = from_post(request.form)
    action = request.form.get("action", "save")
    if action.startswith("add:") and action[4:] in ROWS:
        form[action[4:]].append({"lang": "en" if action[4:] != "sameAs" else "", "text": ""})
        return _form_page(entity, form, focus=f"{action[4:]}.{len(form[action[4:]]) - 1}.text")
    if action.startswith("remove:"):
        _, row, index = (action.split(":") + ["", ""])[:3]
        if row in ROWS and index.isdigit() and int(index) < len(form[row]):
            del form[row][int(index)]
        return _form_page(entity, form)
    fields, problems = to_fields(form)
    if problems:
        return _form_page(entity, form, _plain(problems, form), 422)
    try:
        saved, rewritten = state.store().entities.update(kind, key, fields, g.user["name"],
                                                         form_number(request.form.get("revision", "")),
                                                         request.form.get("message", "").strip()[:500])
    except EntityInvalid as exc:
        return _form_page(entity, form, _plain(exc.errors, form), 422)
    except (Conflict, EntityMerged) as exc:
        return _form_page(entity, form, {"form": [f"Not saved: {exc}. Reload the page and make your change "
                                                  "again."]}, 409)
    flash(f"Saved {authority.preferred_name(saved)}: {_records_followed(rewritten)}")
    return redirect(url_for("editor.edit_entity", kind=kind, key=key), 303)


def _records_followed(rewritten: list[str]) -> str:
    if not rewritten:
        return "no record needed a change."
    return f"{len(rewritten)} record{'s' if len(rewritten) != 1 else ''} updated ({', '.join(rewritten[:10])}" \
           f"{' …' if len(rewritten) > 10 else ''})."


@blueprint.route(f"/edit/entities/{KIND}/<key>/merge", methods=["GET", "POST"])
@auth.page("editor")
def merge_entity(kind: str, key: str):
    """Choose, by name, the entity this one is the same as; its records then use that one."""
    entity = _entity(kind, key)
    query = request.values.get("q", "").strip()[:200] or authority.preferred_name(entity)
    problem, status = "", 200
    if request.method == "POST":
        into = request.form.get("into", "")
        if not into:
            problem, status = "Merge into: choose the entity this one is the same as.", 422
        else:
            try:
                target, rewritten = state.store().entities.merge(kind, key, into, g.user["name"])
            except EntityInvalid as exc:
                problem, status = "Merge into: " + "; ".join(e["message"] for e in exc.errors), 422
            except (NotFound, EntityMerged) as exc:
                problem, status = f"Not merged: {exc}.", 409
            else:
                flash(f"Merged {authority.preferred_name(entity)} into {authority.preferred_name(target)}: "
                      f"{_records_followed(rewritten)}")
                return redirect(url_for("editor.edit_entity", kind=kind, key=into), 303)
    candidates = [e for e in state.store().entities.search(kind, query, limit=50) if e["key"] != key]
    return render_template("entity_merge.html", **_context(
        title=f"Merge {authority.preferred_name(entity)}", entity=entity, query=query, candidates=candidates,
        problem=problem, kind_words=KIND_WORDS, preferred=authority.preferred_name)), status


@blueprint.route(f"/edit/entities/{KIND}/<key>/split", methods=["GET", "POST"])
@auth.page("editor")
def split_entity(kind: str, key: str):
    """Tick the records that are about someone (something) else of the same name, and name the new entity."""
    entity = _entity(kind, key)
    problems: dict[str, list[str]] = {}
    chosen, name, status = request.form.getlist("record"), request.form.get("name", ""), 200
    if request.method == "POST":
        try:
            new, rewritten = state.store().entities.split(kind, key, chosen, name, g.user["name"])
        except EntityInvalid as exc:
            for error in exc.errors:
                field = "name" if error["pointer"].startswith("/name") else "records"
                label = "New name" if field == "name" else "Records"
                problems.setdefault(field, []).append(f"{label}: {error['message']}")
            status = 422
        except EntityMerged as exc:
            problems["records"], status = [f"Not split: {exc}."], 409
        else:
            flash(f"Made {authority.preferred_name(new)} ({new['key']}): {_records_followed(rewritten)}")
            return redirect(url_for("editor.edit_entity", kind=kind, key=new["key"]), 303)
    return render_template("entity_split.html", **_context(
        title=f"Split {authority.preferred_name(entity)}", entity=entity, chosen=chosen, name=name,
        problems=problems, kind_words=KIND_WORDS, preferred=authority.preferred_name,
        used_by=state.store().entities.used_by(kind, key))), status
