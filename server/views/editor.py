"""The archivists' web editor: server-rendered forms that work without JavaScript.

Every save goes through the same store calls as the API, with the revision the form was loaded from, so a
colleague's earlier save leads to a conflict page (both versions side by side), never a silent overwrite.
A save whose session or CSRF token expired keeps everything typed: the login page carries it, and after
logging in the form comes back filled in, unsaved.
"""
from __future__ import annotations

import json
import math
from urllib.parse import urlsplit

from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for

from metadata.importers import spreadsheet
from metadata.record import authority, describe, identifiers
from metadata.record import rights as rights_vocabulary
from metadata.record.describe import ROLE_NAMES
from metadata.record.diff import field_diff
from metadata.record.text import unstorable
from metadata.storage import Conflict, Gone, NotFound, RecordState
from metadata.storage.accounts import LastAdmin
from metadata.record.validation import validate, validate_set

from .. import auth, field_words, state
from ..arguments import page_argument, revision_argument
from ..documents import existing_record
from ..editor_form import AGENT_LISTS, ENTITY_LISTS, LABELLED, LANGMAPS, apply_action, date_hints, field_of, \
    from_post, new_form, offer_reference_code, plain_errors, row_control, to_form, to_record, use_entities
from ..problems import Problem

blueprint = Blueprint("editor", __name__)
PER_PAGE = 25
LEVELS = ["", "fonds", "series", "file", "item"]
MAX_ID = 2**31 - 1  # the largest integer column value on either database


def form_number(value) -> int | None:
    """A whole number a form sent (ASCII digits, in the databases' integer range), else None."""
    if not isinstance(value, str) or not value.isascii() or not value.isdigit() or len(value) > 10:
        return None
    number = int(value)
    return number if number <= MAX_ID else None


# Plain words for the DCMI types an archivist picks from (describe.RECORD_TYPES, from the schema).
RECORD_TYPE_LABELS = {"Text": "Text (letter, cable, memorandum ...)", "StillImage": "Still image (photograph, album)",
                      "Image": "Image (drawing, map, poster)", "Collection": "Collection (a file of documents)",
                      "MovingImage": "Moving image (film, video)", "Sound": "Sound recording",
                      "PhysicalObject": "Physical object", "Dataset": "Dataset"}


def _context(**values) -> dict:
    sets = state.store().sets.all()
    return {"langmaps": LANGMAPS, "agent_lists": AGENT_LISTS, "labelled": LABELLED, "levels": LEVELS,
            "record_types": describe.RECORD_TYPES, "record_type_labels": RECORD_TYPE_LABELS,
            "rights_choices": rights_vocabulary.choices(), "all_sets": sets, "role_labels": ROLE_NAMES,
            "csrf_token": auth.csrf_token(), "user": g.get("user"), **values}


def safe_next(target) -> str:
    """``target`` if it is a path on this server, else "" (never another origin, whatever the spelling).

    Browsers drop tabs and newlines inside URLs and read a backslash as a slash, so ``/\t/evil.example``
    would leave the site: any control character or backslash disqualifies a target."""
    if not isinstance(target, str) or not target.startswith("/") or target.startswith("//"):
        return ""
    if "\\" in target or any(ord(c) < 32 or 127 <= ord(c) < 160 for c in target):
        return ""
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else ""


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    if request.method != "POST":  # GET and HEAD show the form; only a POST is a login attempt
        return render_template("login.html", title="Log in", next=safe_next(request.args.get("next", "")),
                               stash="", message="")
    name, password = request.form.get("name", ""), request.form.get("password", "")
    stash, target = request.form.get("stash", ""), safe_next(request.form.get("next", ""))
    user = auth.login(name, password)
    if user is None:
        return render_template("login.html", title="Log in", next=target, stash=stash,
                               message="That name and password do not match an account."), 401
    g.user = user
    kept = _MultiValues.parse(stash) if target.startswith("/edit/") else None
    if kept:
        identifier = target.split("/")[3] if target.startswith("/edit/records/") else None
        current = state.store().records.get(identifier) if identifier else None
        return _render_form(from_post(kept), current, kept.get("revision", ""), message=kept.get("message", ""),
                            notice="You are logged in again. Nothing has been saved yet: check your changes "
                                   "and save.")
    return redirect(target or url_for("editor.home"))


class _MultiValues(dict):
    """A stashed form (name -> list of values) read like request.form."""

    @classmethod
    def parse(cls, stash: str) -> "_MultiValues | None":
        """The form a login page carried, or None when there is none or it is not one of ours."""
        try:
            values = json.loads(stash) if stash else None
        except (ValueError, RecursionError):
            return None
        if not isinstance(values, dict) or not all(isinstance(v, list) for v in values.values()):
            return None
        return cls(values)

    def get(self, key, default=None):
        values = dict.get(self, key)
        return values[0] if values else default

    def getlist(self, key):
        return dict.get(self, key, [])


@blueprint.post("/logout")
@auth.page("editor")
def logout():
    auth.logout()
    return redirect(url_for("records.record_list"))


@blueprint.get("/edit")
@auth.page("editor")
def home():
    page = page_argument()
    query = request.args.get("q", "").strip()
    total, rows = state.store().records.list_records(page=page, per_page=PER_PAGE, query=query, include_drafts=True,
                                             include_deleted=True)
    return render_template("editor_list.html", **_context(title="Edit records", rows=rows, total=total, page=page,
                                                          pages=max(math.ceil(total / PER_PAGE), 1), query=query))


def find_entity(kind: str, key: str | None = None, name: str | None = None) -> dict | None:
    """The entity the record form means: by key (what the picker chose; a merged one's successor), or the only
    one with exactly this preferred or variant name (case and accents aside)."""
    entities = state.store().entities
    if key:
        return entities.final(kind, key)
    folded = authority.fold(name or "")
    matches = [e for e in entities.search(kind, name or "", limit=50)
               if folded in authority.search_text(e).split("\n")]
    return matches[0] if len(matches) == 1 else None


PICKER_CHOICES = 300  # names per kind offered without a script (a <datalist>): the most used


def _entity_choices() -> dict[str, list[str]]:
    """Names the record form's <datalist>s offer per kind: every name (variants too) of the most used."""
    return {kind: sorted({n for e in state.store().entities.search(kind, "", PICKER_CHOICES)
                          for n in authority.all_names(e)}) for kind in set(ENTITY_LISTS.values())}


def _render_form(form: dict, current: RecordState | None, revision, errors: list | None = None,
                 notice: str = "", status: int = 200, focus: str = "", message: str | None = None):
    """The form page; ``message`` (the "what changed" note) defaults to the one just posted, so a failed save or
    an added row never loses it."""
    errors = errors or []
    if message is None:
        message = request.form.get("message", "") if request.method == "POST" else ""
    field_errors: dict[str, list[str]] = {}
    for error in errors:
        field_errors.setdefault(field_of(error["pointer"], form), []).append(error["message"])
    first = next(iter(field_errors), None) or focus or None
    title = f"Edit {current.id}" if current else "New record"
    return render_template("editor_form.html", **_context(
        title=title, form=form, current=current, revision=revision, errors=errors, field_errors=field_errors,
        first_error=first, notice=notice, message=message, row_control=row_control, entity_lists=ENTITY_LISTS,
        entity_choices=_entity_choices(), field_of_pointer=lambda pointer: field_of(pointer, form),
        date_hints=date_hints(form), offered_reference=offer_reference_code(form) if current is None else "")), \
        status


@blueprint.route("/edit/new", methods=["GET", "POST"])
@auth.page("editor", csrf=False)
def new_record():
    if request.method == "GET":
        return _render_form(new_form(), None, "")
    return _save(None)


@blueprint.route("/edit/records/<recid:identifier>", methods=["GET", "POST"])
@auth.page("editor", csrf=False)
def edit_record(identifier: str):
    current = existing_record(identifier)
    if request.method == "GET":
        return _render_form(to_form(current.data), current, current.revision)
    return _save(current)


def _save(current: RecordState | None):
    form = from_post(request.form)
    if current is not None:
        form["identifier"] = current.id
    revision = request.form.get("revision", "")
    if not auth.csrf_valid():
        return _render_form(form, current, revision, notice="This form had expired. Nothing was saved; your "
                                                            "changes are below: check them and save again.",
                            status=403)
    if revision and form_number(revision) is None:
        return _render_form(form, current, "", notice="This form's revision number was damaged, so it cannot "
                                                      "be saved safely. Your changes are below: reload the "
                                                      "record in another tab and copy them over.", status=400)
    action = request.form.get("action", "save")
    if action != "save":
        changed, focus = apply_action(form, action, _taken)
        return _render_form(changed, current, revision, focus=focus)
    if current is None and not form["identifier"]:  # left blank: made from the reference code or title
        form["identifier"] = identifiers.suggest(form["referenceCode"], _first_title(form), _taken)
    use_entities(form, find_entity)
    record = to_record(form)
    errors = plain_errors(form, validate(record))
    if errors:
        return _render_form(form, current, revision, errors=errors, status=422)
    store = state.store()
    message = request.form.get("message", "").strip()
    if unstorable(message):
        return _render_form(form, current, revision, notice=f"The change note {unstorable(message)}; nothing "
                                                            "was saved.", status=422)
    try:
        if current is None:
            saved = store.records.create(record, g.user["name"], message or "created",
                                 published=request.form.get("publish") == "yes")
        else:
            saved = store.records.update(current.id, record, form_number(revision) or 0, g.user["name"], message)
    except Conflict:
        if current is None:
            errors = field_words.plain([{"pointer": "/identifier",
                                         "message": "a record with this identifier exists already"}])
            return _render_form(form, None, revision, errors=errors, status=409)
        theirs = store.records.get(current.id)
        return render_template("conflict.html", **_context(
            title="Someone saved first", identifier=current.id, theirs=theirs, mine=record,
            changes=field_words.changes_in_words(field_diff(theirs.data, record)), form=form, revision=theirs.revision,
            message=message)), 409
    except Gone:
        raise Problem(410, f"Record {current.id} was deleted meanwhile; restore it first.", "Gone") from None
    return redirect(url_for("editor.edit_record", identifier=saved.id, saved=saved.revision), 303)


def _taken(identifier: str) -> bool:
    """Whether a record (live or deleted) has this identifier already."""
    return state.store().records.get(identifier) is not None


def _first_title(form: dict) -> str:
    return next((row["text"] for row in form["title"] if row.get("text", "").strip()), "")


def _transition(identifier: str, call, done: str):
    """Apply ``call(identifier, revision, author, message)`` from a form, then show the record again with the
    confirmation ``done`` (a flashed message, so a reload does not repeat it)."""
    try:
        call(identifier, revision_argument(), g.user["name"], request.form.get("message", ""))
    except Conflict:
        raise Problem(409, "Someone changed the record meanwhile; reload it and try again.", "Conflict") from None
    except (NotFound, Gone) as exc:
        raise Problem(404, str(exc), "Not Found") from None
    flash(done)
    return redirect(url_for("editor.edit_record", identifier=identifier), 303)


@blueprint.get("/edit/records/<recid:identifier>/delete")
@auth.page("editor")
def confirm_delete(identifier: str):
    current = existing_record(identifier)
    return render_template("confirm_delete.html", **_context(title=f"Delete {identifier}?", current=current))


@blueprint.post("/edit/records/<recid:identifier>/delete")
@auth.page("editor")
def delete_record(identifier: str):
    return _transition(identifier, lambda i, rev, who, msg: state.store().records.delete(i, rev, who, msg),
                       f"Deleted {identifier}: it is gone from the public site and OAI-PMH; restore it below.")


@blueprint.post("/edit/records/<recid:identifier>/restore")
@auth.page("editor")
def restore_record(identifier: str):
    return _transition(identifier, lambda i, rev, who, msg: state.store().records.restore(i, rev, who, msg),
                       f"Restored {identifier}.")


@blueprint.post("/edit/records/<recid:identifier>/publish")
@auth.page("editor")
def publish_record(identifier: str):
    publish = request.form.get("published") == "yes"
    return _transition(identifier, lambda i, rev, who, msg: state.store().records.set_published(i, publish, rev, who, msg),
                       f"Published {identifier}: it is on the public site." if publish else
                       f"Unpublished {identifier}: it is a draft again, hidden from the public site.")


@blueprint.get("/edit/records/<recid:identifier>/history")
@auth.page("editor")
def history(identifier: str):
    current = existing_record(identifier)
    revisions = state.store().records.revisions(identifier)
    entries = []
    for index, revision in enumerate(revisions):
        before = revisions[index - 1].data if index else {}
        changes = field_diff(before, revision.data) if index else []
        entries.append({"revision": revision, "changes": field_words.changes_in_words(changes)})
    return render_template("history.html", **_context(title=f"History of {identifier}", current=current,
                                                      entries=list(reversed(entries))))


@blueprint.post("/edit/records/<recid:identifier>/revisions/<int(max=2147483647):number>/revert")
@auth.page("editor")
def revert(identifier: str, number: int):
    old = state.store().records.revision(identifier, number)
    if old is None:
        raise Problem(404, f"Record {identifier} has no revision {number}.", "Not Found")
    return _transition(identifier, lambda i, rev, who, msg: state.store().records.update(
        i, old.data, rev, who, msg or f"reverted to revision {number}"), f"Reverted {identifier} to revision {number}.")


@blueprint.route("/edit/tokens", methods=["GET", "POST"])
@auth.page("editor")
def tokens():
    user = g.user
    created, message, status = None, "", 200
    if request.method == "POST":
        if "revoke" in request.form:
            token_id = form_number(request.form["revoke"])
            if token_id is None or not state.store().accounts.revoke_token(user["name"], token_id):
                message, status = "You have no such token.", 404
        else:
            expires, problem = auth.token_expiry(request.form.get("expires_days", ""))
            if problem:
                message, status = problem, 422
            else:
                created = auth.new_token()
                state.store().accounts.add_token(user["name"], auth.token_digest(created),
                                         request.form.get("label", "")[:200], expires)
    return render_template("tokens.html", **_context(title="API tokens", tokens=state.store().accounts.list_tokens(user["name"]),
                                                     created=created, message=message)), status


USER_ACTIONS = {
    "disable": ("Disabled {name}: their sessions and tokens no longer work.", lambda a, n: a.set_disabled(n, True)),
    "enable": ("Enabled {name}.", lambda a, n: a.set_disabled(n, False)),
    "delete": ("Deleted {name}; their history keeps their display name.", lambda a, n: a.delete_user(n)),
    "revoke_tokens": ("Revoked every API token of {name}.", lambda a, n: a.revoke_tokens(n)),
    "end_sessions": ("Logged {name} out everywhere.", lambda a, n: a.end_sessions(n)),
}


@blueprint.route("/edit/users", methods=["GET", "POST"])
@auth.page("admin")
def users():
    """Admins add users, reset passwords and roles, disable or delete users and revoke their tokens."""
    message, errors = "", []
    if request.method == "POST":
        action = request.form.get("action", "save")
        name = request.form.get("name", "").strip()
        try:
            if action in USER_ACTIONS:
                done, call = USER_ACTIONS[action]
                call(state.store().accounts, name)
                message = done.format(name=name)
            else:
                role = request.form.get("role", "")
                password = request.form.get("password", "")  # exactly as typed: never stripped
                display_name = request.form.get("display_name", "").strip()[:200]
                existing = state.store().accounts.user(name) if auth.valid_login_name(name) else None
                errors = [e["message"] for e in auth.user_problems(
                    name, role, password or None, password_required=existing is None)]
                if not errors:
                    state.store().accounts.save_user(name, role, auth.hash_password(password) if password else None,
                                             display_name or None)
                    message = f"Saved {name} ({role})."
        except (NotFound, Conflict, LastAdmin) as exc:
            errors = [str(exc)]
    status = 422 if errors else 200
    return render_template("users.html", **_context(title="Users", users=state.store().accounts.list_users(),
                                                    roles=list(auth.ROLES), message=message, form_errors=errors)), \
        status


@blueprint.route("/edit/sets", methods=["GET", "POST"])
@auth.page("admin")
def sets():
    """Admins create and rename sets (the OAI-PMH sets and IIIF collections records belong to)."""
    message, errors = "", []
    if request.method == "POST":
        spec, name = request.form.get("spec", "").strip(), request.form.get("name", "").strip()
        description = request.form.get("description", "").strip()
        errors = [e["message"] for e in validate_set(spec, name, description,
                                                     {s["spec"] for s in state.store().sets.all()})]
        if not errors:
            state.store().sets.put(spec, name, description)
            message = f"Saved set {spec}."
    return render_template("sets.html", **_context(title="Sets", message=message, form_errors=errors)), \
        (422 if errors else 200)


def _spreadsheet_page(status: int = 200, **values):
    return render_template("spreadsheet.html", **_context(
        title="Spreadsheet bulk editing", fields=[f for f in spreadsheet.FIELDS if f not in spreadsheet.REQUIRED],
        default_fields=spreadsheet.DEFAULT_FIELDS, filters=request.args, **values)), status


def _year_argument(name: str, errors: list[str]) -> int | None:
    text = request.args.get(name, "").strip()
    if not text:
        return None
    if not text.isascii() or not text.lstrip("-").isdigit() or len(text) > 6:
        errors.append(f"{'From' if name == 'from' else 'To'} year: write a year such as 1949")
        return None
    return int(text)


@blueprint.get("/edit/spreadsheet")
@auth.page("editor")
def spreadsheet_home():
    """Download records as a spreadsheet (with the list's filters) or upload an edited one for a preview."""
    return _spreadsheet_page()


@blueprint.get("/edit/spreadsheet/download")
@auth.page("editor")
def spreadsheet_download():
    """The chosen records as CSV, the same file `muniment export --csv` writes."""
    errors: list[str] = []
    year_from, year_to = _year_argument("from", errors), _year_argument("to", errors)
    fields = [f for f in request.args.getlist("field") if f] or list(spreadsheet.DEFAULT_FIELDS)
    unknown = [f for f in fields if f not in spreadsheet.FIELDS]
    if unknown:
        errors.append(f"Fields: there is no field {', '.join(unknown)}")
    if errors:
        return _spreadsheet_page(422, form_errors=errors)
    chosen = spreadsheet.chosen(state.store().records, request.args.get("set", "").strip() or None, year_from,
                                year_to, request.args.get("q", "").strip())
    text = spreadsheet.write_csv(chosen, fields)
    return Response(text.encode("utf-8"), mimetype="text/csv", headers={
        "Content-Disposition": 'attachment; filename="muniment-records.csv"'})


def _planned(data: bytes, name: str):
    """(rows, None) for a readable file, else (None, the plain-words reason)."""
    try:
        _, table = spreadsheet.read_table(data, name)
    except spreadsheet.SpreadsheetError as exc:
        return None, str(exc)
    return spreadsheet.plan(state.store().records, table), None


@blueprint.post("/edit/spreadsheet/preview")
@auth.page("editor")
def spreadsheet_preview():
    """The dry run: every row's changes field by field, conflicts and problems; nothing is written."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _spreadsheet_page(422, form_errors=["File: choose the CSV file to upload"])
    data = upload.read()
    name = upload.filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    rows, problem = _planned(data, name)
    if problem:
        return _spreadsheet_page(422, form_errors=[f"File: {problem}"])
    return render_template("spreadsheet_preview.html", **_context(
        title="Spreadsheet preview", rows=rows, counts=spreadsheet.summary(rows), applied=False, name=name,
        content=data.decode("utf-8-sig")))


@blueprint.post("/edit/spreadsheet/apply")
@auth.page("editor")
def spreadsheet_apply():
    """Apply the previewed file: each changed row a new revision; rows changed since the export are conflicts."""
    name = request.form.get("name", "spreadsheet.csv")[:200]
    rows, problem = _planned(request.form.get("content", "").encode("utf-8"), name)
    if problem:
        return _spreadsheet_page(422, form_errors=[f"File: {problem}"])
    rows = spreadsheet.apply(state.store().records, rows, g.user["name"], name)
    return render_template("spreadsheet_preview.html", **_context(
        title="Spreadsheet applied", rows=rows, counts=spreadsheet.summary(rows), applied=True, name=name,
        content=""))
